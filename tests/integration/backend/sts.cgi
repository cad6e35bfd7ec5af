#!/usr/bin/python3
"""Test backend for mod_hsts_audit: emits the response headers asked for in the
query string (the raw proxy backend in tests/common/backend.py has the same semantics).

  sts=<urlencoded value>   one Strict-Transport-Security line per occurrence
  status=NNN               a CGI "Status: NNN" line
  location=<url>           a "Location: <url>" line
  repeat=N                 emit the sts lines N times (hostile backend)
  big=N                    one more STS line whose (invalid) value is exactly N bytes
  header=Name:value        any other header line (repeatable)
  body=<text>              the body (default "ok")

Note: httpd's CGI interface merges repeated header lines of one name into a
single comma-joined field (util_script.c, APR_OVERLAP_TABLES_MERGE).
"""
import os
import sys
import urllib.parse

qs = os.environ.get("QUERY_STRING", "")
params = urllib.parse.parse_qsl(qs, keep_blank_values=True, encoding="latin-1")
status = location = None
sts, extra = [], []
repeat, big, body = 1, None, "ok\n"
for k, v in params:
    if k == "sts":
        sts.append(v)
    elif k == "status":
        status = int(v)
    elif k == "location":
        location = v
    elif k == "repeat":
        repeat = int(v)
    elif k == "big":
        big = int(v)
    elif k == "header":
        name, _, value = v.partition(":")
        extra.append((name, value.lstrip()))
    elif k == "body":
        body = v

lines = []
if status is not None:
    lines.append("Status: %d" % status)
if location is not None:
    lines.append("Location: %s" % location)
lines.append("Content-Type: text/plain")
lines.extend("%s: %s" % (n, v) for n, v in extra)
for _ in range(repeat):
    for v in sts:
        lines.append("Strict-Transport-Security: %s" % v)
if big is not None:
    lines.append("Strict-Transport-Security: max-age=" + "x" * max(0, big - 8))
out = ("\n".join(lines) + "\n\n" + body).encode("latin-1")
sys.stdout.buffer.write(out)
sys.stdout.buffer.flush()
