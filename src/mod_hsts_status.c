/* Licensed under the Apache License, Version 2.0 (see LICENSE).
 *
 * mod_hsts_status.c: the hsts-audit-status handler and the section in
 * mod_status's /server-status (design.md section 7). Placeholder: the
 * renderers land with the status-page work.
 */
#include "mod_hsts_private.h"

void hsts_status_register_hooks(apr_pool_t *p)
{
    (void)p;
}
