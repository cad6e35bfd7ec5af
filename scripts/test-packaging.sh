#!/usr/bin/env bash
# The packaging test of mod_hsts_audit (`make check-packaging`).
#
# usage: scripts/test-packaging.sh [all]        everything below, in order
#        scripts/test-packaging.sh dist         the tarball holds every tracked file, no build product
#        scripts/test-packaging.sh distcheck    make distcheck (as an unprivileged user when run as root)
#        scripts/test-packaging.sh deb          the .deb, built from the tarball, and lintian
#        scripts/test-packaging.sh install DIR  install DIR/libapache2-mod-hsts-audit_*.deb, check, purge
#        scripts/test-packaging.sh rpm-spec [SPEC [VERSION]]   rpmspec -P and the spec's promises
#        scripts/test-packaging.sh rpm          rpm-spec, then rpmbuild -bb on the tarball (dist first
#                                               when $HSTS_PKG_WORK has none)
#        (all also runs rpmbuild -bb on the tarball when rpmbuild is installed)
#
# Everything is built in a copy of the tree under $HSTS_PKG_WORK (default: a new
# /tmp/hsts-pkgtest.XXXXXX, removed on success unless HSTS_PKG_KEEP=1): the tree the
# script lives in is only read. The copy holds the files git tracks plus the untracked
# ones that .gitignore does not exclude (work not committed yet); without git, the
# whole tree. HSTS_PKG_FROM=HEAD: the last commit plus the packaging files of the work
# tree instead.
#
# `install` (and so `all`) needs root on Debian: it installs the package with apt-get,
# enables mod_ssl and a TLS test site, runs `apache2ctl configtest`, purges the package
# and then puts /etc/apache2 and /var/lib/apache2 back as they were. It never starts,
# stops or reloads the system's apache2.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
PKG=libapache2-mod-hsts-audit
UNPRIV_USER=${HSTS_PKG_USER:-nobody}

failures=0
step() { printf '\n==== %s\n' "$*"; }
ok()   { printf 'ok:   %s\n' "$*"; }
warn() { printf 'WARN: %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
die()  { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the unprivileged user when we are root (the build must not need root).
as_user() {
    if is_root && [ "$UNPRIV_USER" != root ]; then
        runuser -u "$UNPRIV_USER" -- env HOME="$WORK/home" USER="$UNPRIV_USER" \
            LOGNAME="$UNPRIV_USER" PATH="$PATH" "$@"
    else
        "$@"
    fi
}

setup_work() {
    if [ -n "${WORK:-}" ]; then return 0; fi
    WORK=${HSTS_PKG_WORK:-}
    if [ -z "$WORK" ]; then
        WORK=$(mktemp -d /tmp/hsts-pkgtest.XXXXXX)
        created_work=1
    fi
    mkdir -p "$WORK/home"
    chmod 755 "$WORK"
    if is_root && [ "$UNPRIV_USER" != root ]; then chown "$UNPRIV_USER" "$WORK/home"; fi
    echo "work directory: $WORK"
}

finish_work() {
    if [ "$failures" -eq 0 ] && [ "${created_work:-0}" = 1 ] && [ "${HSTS_PKG_KEEP:-0}" != 1 ]; then
        rm -rf "$WORK"
    else
        echo "work directory kept: $WORK"
    fi
}

# ---- the files the tarball must hold ---------------------------------------------
# A git checkout of this project (not, say, an unpacked tarball inside another checkout).
in_git() {
    local t
    t=$(git -C "$top" rev-parse --show-toplevel 2>/dev/null) || return 1
    [ "$(cd "$t" && pwd -P)" = "$(cd "$top" && pwd -P)" ]
}

# HSTS_PKG_FROM=worktree (default): the work tree as it is, i.e. the files git tracks
# plus the untracked ones .gitignore does not exclude. HSTS_PKG_FROM=HEAD: the last
# commit, with the packaging files (which may not be committed yet) taken from the
# work tree: for when others are in the middle of changing the rest of the tree.
FROM=${HSTS_PKG_FROM:-worktree}
PACKAGING_PATHS="debian packaging packaging.mk docs/install.md scripts/test-packaging.sh"

packaging_files() {
    (cd "$top" && find $PACKAGING_PATHS -type f 2>/dev/null || true) | LC_ALL=C sort -u
}
# Tracked files that exist (a file deleted in the work tree is not expected).
tracked_files() {
    if [ "$FROM" = HEAD ]; then
        git -C "$top" ls-tree -r --name-only HEAD | LC_ALL=C sort -u
        return 0
    fi
    git -C "$top" ls-files -z --cached | while IFS= read -r -d '' f; do
        [ -e "$top/$f" ] || [ -L "$top/$f" ] && printf '%s\n' "$f"
    done | LC_ALL=C sort -u
}
untracked_files() {
    if [ "$FROM" = HEAD ]; then
        packaging_files | LC_ALL=C comm -23 - <(tracked_files)
        return 0
    fi
    git -C "$top" ls-files --others --exclude-standard | LC_ALL=C sort -u
}

# A copy of the tree to build in: $WORK/tree.
copy_tree() {
    [ -d "$WORK/tree" ] && return 0
    mkdir -p "$WORK/tree"
    if in_git && [ "$FROM" = HEAD ]; then
        git -C "$top" archive --format=tar HEAD | tar -x -C "$WORK/tree"
        packaging_files | tr '\n' '\0' | (cd "$top" && xargs -0 cp -a --parents -t "$WORK/tree")
    elif in_git; then
        { tracked_files; untracked_files; } | LC_ALL=C sort -u | tr '\n' '\0' |
            (cd "$top" && xargs -0 cp -a --parents -t "$WORK/tree")
    else
        cp -a "$top/." "$WORK/tree/"
        if [ -f "$WORK/tree/Makefile" ]; then (cd "$WORK/tree" && make -s distclean >/dev/null); fi
    fi
    if is_root && [ "$UNPRIV_USER" != root ]; then chown -R "$UNPRIV_USER" "$WORK/tree"; fi
    ok "copied the tree ($FROM) to $WORK/tree"
}

# Configure the copy (once).
configure_tree() {
    copy_tree
    [ -f "$WORK/tree/Makefile" ] && return 0
    (cd "$WORK/tree" && {
        if [ -d "$top/.git" ] || [ ! -x configure ]; then as_user autoreconf -fi >/dev/null 2>&1; fi
        as_user ./configure --quiet >"$WORK/configure.log" 2>&1
    }) || { cat "$WORK/configure.log" >&2; die "configure failed in the copy"; }
    ok "configured the copy"
}

tarball() {
    local v
    v=$(sed -n 's/^PACKAGE_VERSION = //p' "$WORK/tree/Makefile")
    printf '%s/tree/mod_hsts_audit-%s.tar.gz\n' "$WORK" "$v"
}

# ---- dist ------------------------------------------------------------------------
do_dist() {
    step "make dist: every tracked file, no build product"
    configure_tree
    # Dist from a tree that has been used: built, unit-tested, with what the
    # integration tests and the fuzzer leave behind in the directories that
    # Makefile.am's EXTRA_DIST ships whole. None of it may reach the tarball.
    (cd "$WORK/tree" && as_user make -s -j"$(nproc)" >/dev/null 2>&1 && as_user make -s check-unit >/dev/null 2>&1 &&
        as_user mkdir -p tests/integration/__pycache__ tests/integration/.pytest_cache/v \
            tests/fuzz/corpus tests/fuzz/seeds &&
        as_user touch tests/integration/__pycache__/conftest.cpython-311.pyc \
            tests/integration/.pytest_cache/v/lastfailed tests/fuzz/corpus/0123abcd \
            tests/fuzz/seeds/seed-1 tests/fuzz/fuzz_sts tests/fuzz/crash-0123 \
            tests/integration/run-pytest.sh.log tests/integration/run-pytest.sh.trs) \
        || { fail "build and check-unit before make dist"; return 0; }
    (cd "$WORK/tree" && as_user make -s dist >"$WORK/dist.log" 2>&1) \
        || { cat "$WORK/dist.log" >&2; fail "make dist"; return 0; }
    local tgz prefix
    tgz=$(tarball)
    prefix=$(basename "$tgz" .tar.gz)
    ok "make dist: $(basename "$tgz") ($(du -h "$tgz" | cut -f1))"
    tar -tzf "$tgz" | sed -n "s|^$prefix/||p" | grep -v '/$' | grep -v '^$' | LC_ALL=C sort -u \
        >"$WORK/tarball.list"

    # Build products must not be there, whatever git says.
    local junk
    junk=$(grep -E '(^|/)(__pycache__|\.pytest_cache|\.libs|\.deps)/|\.(o|lo|la|so|pyc|log|trs)$|(^|/)\.dirstamp$|^tests/fuzz/(fuzz_sts$|corpus/|seeds/|crash-)|^debian/(\.debhelper|files$|tmp/|libapache2-mod-hsts-audit/|.*\.substvars$|.*\.log$)' \
        "$WORK/tarball.list" || true)
    if [ -n "$junk" ]; then
        fail "build products in the tarball:"; printf '    %s\n' $junk >&2
    else
        ok "no build products in the tarball"
    fi

    if ! in_git; then
        warn "not a git checkout: the tarball's list is not compared with git ls-files"
        return 0
    fi
    tracked_files >"$WORK/git-tracked.list"
    untracked_files >"$WORK/git-untracked.list"
    local missing
    missing=$(LC_ALL=C comm -23 "$WORK/git-tracked.list" "$WORK/tarball.list")
    if [ -n "$missing" ]; then
        fail "tracked files missing from the tarball (add them to EXTRA_DIST):"
        printf '    %s\n' $missing >&2
    else
        ok "all $(wc -l <"$WORK/git-tracked.list") tracked files are in the tarball"
    fi
    # Untracked (not ignored) files: work not committed yet. The packaging files must
    # be shipped already; for the others it is only a warning.
    missing=$(LC_ALL=C comm -23 "$WORK/git-untracked.list" "$WORK/tarball.list")
    local f
    for f in $missing; do
        case "$f" in
            debian/*|packaging/*|packaging.mk|docs/install.md|scripts/test-packaging.sh)
                fail "packaging file missing from the tarball: $f" ;;
            *) warn "untracked file not in the tarball (add it to EXTRA_DIST when it is committed): $f" ;;
        esac
    done
    # Anything else in the tarball must be an autotools product.
    local extra
    extra=$(cat "$WORK/git-tracked.list" "$WORK/git-untracked.list" | LC_ALL=C sort -u |
        LC_ALL=C comm -13 - "$WORK/tarball.list" |
        grep -Ev '^(configure|Makefile\.in|aclocal\.m4|config\.h\.in|build-aux/[^/]+|m4/[^/]+\.m4)$' || true)
    if [ -n "$extra" ]; then
        fail "files in the tarball that are neither in git nor autotools products:"
        printf '    %s\n' $extra >&2
    else
        ok "nothing in the tarball but the tree and the autotools products"
    fi
}

# ---- distcheck -------------------------------------------------------------------
do_distcheck() {
    step "make distcheck (read-only srcdir, VPATH build, unit and CLI tests, own prefix)"
    configure_tree
    local who=root
    is_root && who=$UNPRIV_USER
    # The integration and end-to-end suites (hundreds of httpd starts, Chromium)
    # run in the tree itself first (CI: run-tests.sh); inside distcheck they would
    # only run again. They run here with HSTS_PKG_FULL_DISTCHECK=1.
    local skip=()
    [ "${HSTS_PKG_FULL_DISTCHECK:-0}" = 1 ] || skip=(env HSTS_SKIP_INTEGRATION=1 HSTS_SKIP_E2E=1)
    if (cd "$WORK/tree" && as_user "${skip[@]}" make distcheck >"$WORK/distcheck.log" 2>&1); then
        ok "make distcheck as $who"
        grep -E '^(PASS|SKIP|XFAIL):|^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$WORK/distcheck.log" | sed 's/^/    /'
    else
        tail -n 60 "$WORK/distcheck.log" >&2
        # (the next `make dist` removes distcheck's directory: keep its test logs)
        find "$WORK/tree" -path '*/_build/sub/*' \( -name test-suite.log -o -name '*.sh.log' \) \
            -exec sh -c 'cp "$1" "$2/distcheck-$(basename "$1")"' _ {} "$WORK" \; 2>/dev/null || true
        find "$WORK/tree" -path '*/_build/sub/*' -name test-suite.log -exec cat {} + >&2 2>/dev/null || true
        fail "make distcheck as $who (logs: $WORK/distcheck*.log)"
    fi
}

# ---- deb -------------------------------------------------------------------------
do_deb() {
    step "make deb: dpkg-buildpackage from the tarball, then lintian"
    command -v dpkg-buildpackage >/dev/null || { warn "dpkg-buildpackage not installed: skipped"; return 0; }
    configure_tree
    local start=$SECONDS
    if (cd "$WORK/tree" && as_user make deb >"$WORK/deb.log" 2>&1); then
        ok "make deb ($((SECONDS - start)) s):"
        (cd "$WORK/tree/deb-build" && ls -1 -- *.deb *.dsc *.changes *.tar.*) | sed 's/^/    /'
    else
        tail -n 60 "$WORK/deb.log" >&2
        fail "make deb (log: $WORK/deb.log)"
        return 0
    fi
    DEB_DIR=$WORK/tree/deb-build
    grep -E 'PASS:|FAIL:|# TOTAL' "$WORK/deb.log" | sed 's/^/    unit tests at build time: /' || true

    local deb contents depends postinst
    deb=$(ls "$DEB_DIR"/${PKG}_*.deb | head -n1)
    contents=$(dpkg-deb -c "$deb" | awk '{print $NF}' | grep -v '/$')
    depends=$(dpkg-deb -f "$deb" Depends)
    postinst=$(dpkg-deb -I "$deb" postinst 2>/dev/null || true)
    echo "    Depends: $depends"
    printf '%s\n' "$contents" | sed 's/^/    /'
    local f
    for f in ./usr/lib/apache2/modules/mod_hsts_audit.so ./etc/apache2/mods-available/hsts_audit.load \
             ./etc/apache2/mods-available/hsts_audit.conf ./usr/bin/hsts-audit \
             ./usr/share/man/man1/hsts-audit.1.gz ./usr/share/doc/$PKG/copyright \
             ./usr/share/mod-hsts-audit/prometheus/hsts_audit.rules.yml \
             ./usr/share/mod-hsts-audit/grafana/hsts_audit.json; do
        grep -qxF -- "$f" <<<"$contents" || fail "$f is not in $(basename "$deb")"
    done
    grep -qE "^\./usr/share/doc/$PKG/status\.md(\.gz)?$" <<<"$contents" \
        || fail "docs/status.md (the status page's formats) is not in $(basename "$deb")"
    # the packaged status-page example keeps its own scrapes out of the counters
    awk '/<Location \/hsts-audit-status>/,/<\/Location>/' "$top/packaging/hsts_audit.conf" \
        | grep -q 'HSTSMode off' && ok "the status-page example has HSTSMode off" \
        || fail "the status-page example in packaging/hsts_audit.conf lacks HSTSMode off"
    if grep -q '\.la$' <<<"$contents"; then fail "a libtool .la is in $(basename "$deb")"; fi
    grep -q 'apache2-api-20120211' <<<"$depends" \
        && ok "Depends has apache2-api-20120211 (from dh_apache2)" \
        || fail "Depends lacks apache2-api-20120211"
    grep -q 'apache2_invoke enmod' <<<"$postinst" && grep -qw 'hsts_audit' <<<"$postinst" \
        && ok "postinst enables the module (dh_apache2 snippet)" \
        || fail "postinst does not run apache2_invoke enmod hsts_audit"
    # HSTSMaxAgeRamp's state directory: made by postinst for www-data, deleted on purge,
    # and named by the shipped snippet.
    grep -q "^STATE_DIR=$DEB_STATE_DIR\$" <<<"$postinst" && grep -q 'chown www-data:www-data "\$STATE_DIR"' <<<"$postinst" \
        && grep -q 'chmod 0750 "\$STATE_DIR"' <<<"$postinst" \
        && ok "postinst makes $DEB_STATE_DIR, www-data:www-data 0750" \
        || fail "postinst does not make $DEB_STATE_DIR owned by www-data, mode 0750"
    local postrm
    postrm=$(dpkg-deb -I "$deb" postrm 2>/dev/null || true)
    grep -q "^STATE_DIR=$DEB_STATE_DIR\$" <<<"$postrm" && grep -q 'rm -rf "\$STATE_DIR"' <<<"$postrm" \
        && ok "postrm deletes $DEB_STATE_DIR on purge" || fail "postrm does not delete $DEB_STATE_DIR on purge"
    local snippet
    snippet=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/apache2/mods-available/hsts_audit.conf)
    grep -qxE "[[:space:]]*HSTSStateDir $DEB_STATE_DIR" <<<"$snippet" \
        && ok "the shipped hsts_audit.conf sets HSTSStateDir $DEB_STATE_DIR" \
        || fail "the shipped hsts_audit.conf does not set HSTSStateDir $DEB_STATE_DIR"

    if command -v lintian >/dev/null; then
        local changes out
        changes=$(ls "$DEB_DIR"/*.changes | head -n1)
        out=$(cd "$DEB_DIR" && as_user lintian --display-info --fail-on error "$changes" 2>&1) \
            && ok "lintian: no errors" || fail "lintian reports errors"
        if [ -n "$out" ]; then printf '%s\n' "$out" | sed 's/^/    lintian: /'; else echo "    lintian: (no tags)"; fi
    else
        warn "lintian not installed (apt-get install lintian): skipped"
    fi
}

# ---- install / configtest / purge ---------------------------------------------------
# HSTSStateDir as the packages set it (packaging/hsts_audit.conf, the spec's %install).
DEB_STATE_DIR=/var/lib/apache2/hsts_audit
RPM_STATE_DIR=/var/lib/httpd/hsts_audit
APACHE_STATE_DIRS="/etc/apache2 /var/lib/apache2"
SITE=hsts-audit-pkgtest
SITE_FILE=/etc/apache2/sites-available/$SITE.conf

snapshot_apache() {
    mkdir -p "$WORK/snapshot"
    local d
    for d in $APACHE_STATE_DIRS; do
        [ -d "$d" ] && cp -a "$d" "$WORK/snapshot/$(echo "$d" | tr / _)"
    done
    snapshot_taken=1
}

restore_apache() {
    [ "${snapshot_taken:-0}" = 1 ] || return 0
    local d s
    for d in $APACHE_STATE_DIRS; do
        s=$WORK/snapshot/$(echo "$d" | tr / _)
        [ -d "$s" ] || continue
        if ! diff -r --no-dereference "$s" "$d" >/dev/null 2>&1; then
            rm -rf "$d.hsts-pkgtest-new"
            cp -a "$s" "$d.hsts-pkgtest-new"
            rm -rf "$d"
            mv "$d.hsts-pkgtest-new" "$d"
            echo "restored $d"
        fi
    done
    snapshot_taken=0
}

purge_package() {
    dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed\|config-files' || return 0
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PKG" >"$WORK/purge.log" 2>&1
}

install_cleanup() {
    purge_package || true
    restore_apache
}

do_install() {
    local dir=${1:-${DEB_DIR:-}}
    step "install the .deb, a2enmod/a2query, configtest with a TLS vhost, CLI and man page, purge"
    [ -n "$dir" ] || die "install: no directory with the .deb given"
    if ! is_root; then warn "install: needs root, skipped"; return 0; fi
    command -v apt-get >/dev/null && [ -d /etc/apache2 ] || { warn "install: not a Debian system with apache2: skipped"; return 0; }
    local deb
    deb=$(ls "$dir"/${PKG}_*.deb 2>/dev/null | head -n1)
    [ -n "$deb" ] || die "install: no ${PKG}_*.deb in $dir"
    if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed'; then
        die "$PKG is already installed on this machine: remove it first (this test purges it)"
    fi
    setup_work
    snapshot_apache
    trap 'install_cleanup' EXIT

    # apt-get needs a path it can read as _apt.
    mkdir -p "$WORK/debs" && cp "$deb" "$WORK/debs/" && chmod -R a+rX "$WORK/debs"
    if (cd "$WORK/debs" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./"$(basename "$deb")") \
            >"$WORK/install.log" 2>&1; then
        ok "apt-get install -y ./$(basename "$deb")"
    else
        cat "$WORK/install.log" >&2; fail "apt-get install"; return 0
    fi

    local out
    out=$(a2query -m hsts_audit 2>&1) && ok "a2query -m hsts_audit: $out" || fail "a2query -m hsts_audit: $out"
    out=$(a2query -m ssl 2>&1) && ok "a2query -m ssl: $out (# Depends: ssl)" || fail "ssl was not enabled with hsts_audit: $out"
    out=$(a2enmod hsts_audit 2>&1) || fail "a2enmod hsts_audit: $out"
    printf '%s\n' "$out" | grep -q 'already enabled' && ok "a2enmod hsts_audit: $(printf '%s' "$out" | tr '\n' ' ')" \
        || fail "a2enmod hsts_audit did not report it enabled: $out"

    # Debian's stock configuration plus a TLS vhost (snakeoil) that sets a policy.
    if [ ! -f /etc/ssl/certs/ssl-cert-snakeoil.pem ]; then
        dpkg-query -W -f='${Status}' ssl-cert 2>/dev/null | grep -q 'install ok installed' \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ssl-cert >/dev/null
        make-ssl-cert generate-default-snakeoil
        echo "    (generated the snakeoil certificate, as ssl-cert's postinst does)"
    fi
    a2enmod -q ssl >/dev/null
    cat >"$SITE_FILE" <<'EOF'
<VirtualHost *:443>
    ServerName hsts-audit-pkgtest.test
    SSLEngine on
    SSLCertificateFile /etc/ssl/certs/ssl-cert-snakeoil.pem
    SSLCertificateKeyFile /etc/ssl/private/ssl-cert-snakeoil.key
    HSTSMaxAge 1y
    <Location /healthz>
        HSTSMode off
    </Location>
</VirtualHost>
EOF
    a2ensite -q "$SITE" >/dev/null
    out=$(apache2ctl configtest 2>&1) && ok "apache2ctl configtest: $(printf '%s' "$out" | tail -n1)" \
        || fail "apache2ctl configtest: $out"
    out=$(apache2ctl -M 2>/dev/null || true)
    grep -qw hsts_audit_module <<<"$out" && ok "apache2ctl -M lists hsts_audit_module" \
        || fail "hsts_audit_module is not loaded (apache2ctl -M)"
    sed -i 's/HSTSMaxAge 1y/HSTSMaxAge 1parsec/' "$SITE_FILE"
    if out=$(apache2ctl configtest 2>&1); then
        fail "configtest accepted 'HSTSMaxAge 1parsec'"
    else
        ok "configtest refuses 'HSTSMaxAge 1parsec': $(printf '%s' "$out" | grep -m1 -i hstsmaxage)"
    fi
    a2dissite -q "$SITE" >/dev/null; rm -f "$SITE_FILE"

    # HSTSMaxAgeRamp's state directory, and the snippet that names it
    out=$(stat -c '%U:%G %a %F' "$DEB_STATE_DIR" 2>&1)
    [ "$out" = "www-data:www-data 750 directory" ] && ok "$DEB_STATE_DIR: $out" \
        || fail "$DEB_STATE_DIR should be a directory, www-data:www-data 750: $out"
    grep -qxE "[[:space:]]*HSTSStateDir $DEB_STATE_DIR" /etc/apache2/mods-enabled/hsts_audit.conf \
        && ok "mods-enabled/hsts_audit.conf sets HSTSStateDir $DEB_STATE_DIR" \
        || fail "mods-enabled/hsts_audit.conf does not set HSTSStateDir $DEB_STATE_DIR"
    cat >"$SITE_FILE" <<'EOF'
<VirtualHost *:443>
    ServerName hsts-audit-pkgtest.test
    SSLEngine on
    SSLCertificateFile /etc/ssl/certs/ssl-cert-snakeoil.pem
    SSLCertificateKeyFile /etc/ssl/private/ssl-cert-snakeoil.key
    HSTSMaxAgeRamp 5m 1d 1w 30d 1y
</VirtualHost>
EOF
    a2ensite -q "$SITE" >/dev/null
    out=$(apache2ctl configtest 2>&1) \
        && ok "apache2ctl configtest with HSTSMaxAgeRamp 5m 1d 1w 30d 1y: $(printf '%s' "$out" | tail -n1)" \
        || fail "apache2ctl configtest with HSTSMaxAgeRamp: $out"
    a2dissite -q "$SITE" >/dev/null; rm -f "$SITE_FILE"

    out=$(hsts-audit --version 2>&1) && ok "hsts-audit --version: $out" || fail "hsts-audit --version: $out"
    out=$(man -w hsts-audit 2>&1) && ok "man -w hsts-audit: $out" || fail "man -w hsts-audit: $out"

    # The package's autopkgtest, on the same installation.
    if [ -x "$top/debian/tests/module-loads" ]; then
        if out=$("$top/debian/tests/module-loads" 2>&1); then ok "debian/tests/module-loads (autopkgtest)"
        else printf '%s\n' "$out" >&2; fail "debian/tests/module-loads"; fi
    fi

    # Remove keeps the ramp's state (a reinstallation resumes every ramp), purge deletes it.
    local state=$DEB_STATE_DIR/ramp-hsts-audit-pkgtest.test_443.state
    runuser -u www-data -- sh -c "printf 'max_age 86400\\n' >'$state'"
    if DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$PKG" >"$WORK/remove.log" 2>&1; then
        ok "apt-get remove $PKG"
    else
        cat "$WORK/remove.log" >&2; fail "apt-get remove"
    fi
    [ -f "$state" ] && ok "remove keeps $DEB_STATE_DIR and its state files" \
        || fail "remove deleted $state"

    # Purge: everything the package put on the system goes.
    if purge_package; then ok "apt-get purge $PKG"; else cat "$WORK/purge.log" >&2; fail "apt-get purge"; fi
    local f left=""
    for f in /usr/lib/apache2/modules/mod_hsts_audit.so /etc/apache2/mods-available/hsts_audit.load \
             /etc/apache2/mods-available/hsts_audit.conf /etc/apache2/mods-enabled/hsts_audit.load \
             /etc/apache2/mods-enabled/hsts_audit.conf /usr/bin/hsts-audit /usr/share/doc/$PKG \
             /usr/share/mod-hsts-audit "$DEB_STATE_DIR"; do
        [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
    done
    [ -z "$left" ] && ok "nothing of the package is left after purge" || fail "left after purge:$left"
    a2query -q -m hsts_audit 2>/dev/null && fail "a2query still reports hsts_audit enabled after purge" || true

    restore_apache
    trap - EXIT
    local d s same=1
    for d in $APACHE_STATE_DIRS; do
        s=$WORK/snapshot/$(echo "$d" | tr / _)
        [ -d "$s" ] && ! diff -r --no-dereference "$s" "$d" >/dev/null && same=0
    done
    [ "$same" = 1 ] && ok "/etc/apache2 and /var/lib/apache2 are as they were before the test" \
        || fail "/etc/apache2 or /var/lib/apache2 differ from the snapshot in $WORK/snapshot"
    out=$(apache2ctl configtest 2>&1) && ok "system apache2 configtest after the test: Syntax OK" \
        || fail "system apache2 configtest after the test: $out"
}

# ---- rpm spec ----------------------------------------------------------------------
do_rpm_spec() {
    local spec=${1:-$top/packaging/mod_hsts_audit.spec} version=${2:-}
    step "rpmspec -P $(basename "$spec")"
    [ -f "$spec" ] || die "no spec at $spec"
    if [ -z "$version" ]; then
        version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
    fi
    local spec_version
    spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
    [ "$spec_version" = "$version" ] && ok "spec Version $spec_version = configure.ac's" \
        || fail "spec Version is $spec_version, configure.ac says $version"
    local req
    for req in httpd-devel openssl-devel libcurl-devel apr-devel apr-util-devel autoconf automake libtool check-devel; do
        grep -Eq "^BuildRequires:[[:space:]]+$req([[:space:]]|$)" "$spec" || fail "spec lacks BuildRequires: $req"
    done
    grep -Eq '^Requires:[[:space:]]+httpd-mmn = %\{_httpd_mmn\}' "$spec" || fail "spec lacks Requires: httpd-mmn = %{_httpd_mmn}"
    grep -q -- '--with-apxs=%{_httpd_apxs}' "$spec" || fail "spec does not configure --with-apxs=%{_httpd_apxs}"
    if ! command -v rpmspec >/dev/null; then
        warn "rpmspec not installed (Debian: apt-get install rpm): parse skipped"; return 0
    fi
    # Outside Fedora, httpd-devel's macros are missing: give Fedora's values.
    local parsed
    if parsed=$(rpmspec -P "$spec" \
            --define '_httpd_mmn 20120211x8664' --define '_httpd_apxs /usr/bin/apxs' \
            --define '_httpd_moddir /usr/lib64/httpd/modules' \
            --define '_httpd_modconfdir /etc/httpd/conf.modules.d' \
            --define '_httpd_confdir /etc/httpd/conf.d' 2>&1); then
        ok "rpmspec -P parses the spec"
    else
        printf '%s\n' "$parsed" >&2; fail "rpmspec -P"; return 0
    fi
    local want
    for want in 'Requires:       httpd-mmn = 20120211x8664' '--with-apxs=/usr/bin/apxs' \
                '/usr/lib64/httpd/modules/mod_hsts_audit.so' \
                '/etc/httpd/conf.modules.d/10-hsts_audit.conf' '/etc/httpd/conf.d/hsts_audit.conf' \
                "%dir %attr(0750,apache,apache) $RPM_STATE_DIR" "install -d -m 0750 " \
                'Requires(pre):  httpd-filesystem'; do
        printf '%s\n' "$parsed" | grep -qF -- "$want" && ok "parsed spec has: $want" \
            || fail "parsed spec lacks: $want"
    done
    # Every file the spec installs from the tarball must be shipped in it.
    local f
    for f in packaging/10-hsts_audit.conf packaging/hsts_audit.conf LICENSE README.md \
             docs/design.md docs/install.md docs/log-messages.md docs/status.md; do
        grep -qF "$f" "$spec" && { [ -f "$top/$f" ] || fail "the spec uses $f, which does not exist"; }
    done
    grep -q '^LoadModule hsts_audit_module modules/mod_hsts_audit.so' "$top/packaging/10-hsts_audit.conf" \
        && ok "10-hsts_audit.conf loads modules/mod_hsts_audit.so" || fail "10-hsts_audit.conf has no LoadModule line"
}

# rpmbuild -bb from the tarball, where rpmbuild exists (also on Debian, with --nodeps
# and Fedora's httpd macros given): %build, %check (unit tests), %install and %files.
do_rpmbuild() {
    step "rpmbuild -bb from the tarball"
    if ! command -v rpmbuild >/dev/null; then warn "rpmbuild not installed: skipped"; return 0; fi
    local tgz nodeps=()
    tgz=$(tarball)
    [ -f "$tgz" ] || { warn "no tarball (run the dist step first): skipped"; return 0; }
    [ -f /etc/debian_version ] && nodeps=(--nodeps --define '_httpd_mmn 20120211x8664' \
        --define '_httpd_apxs /usr/bin/apxs')
    mkdir -p "$WORK/rpm"
    if is_root && [ "$UNPRIV_USER" != root ]; then chown "$UNPRIV_USER" "$WORK/rpm"; fi
    if as_user rpmbuild -bb "${nodeps[@]}" --define "_topdir $WORK/rpm" \
            --define "_sourcedir $(dirname "$tgz")" "$WORK/tree/packaging/mod_hsts_audit.spec" \
            >"$WORK/rpmbuild.log" 2>&1; then
        local rpm
        rpm=$(ls "$WORK"/rpm/RPMS/*/mod_hsts_audit-*.rpm | head -n1)
        ok "rpmbuild -bb: $(basename "$rpm")"
        rpm -qlp "$rpm" 2>/dev/null | grep -v build-id | sed 's/^/    /'
        local f list
        list=$(rpm -qlp "$rpm" 2>/dev/null)
        for f in /usr/lib64/httpd/modules/mod_hsts_audit.so /etc/httpd/conf.modules.d/10-hsts_audit.conf \
                 /etc/httpd/conf.d/hsts_audit.conf /usr/bin/hsts-audit \
                 /usr/share/mod-hsts-audit/prometheus/hsts_audit.rules.yml \
                 /usr/share/mod-hsts-audit/grafana/hsts_audit.json; do
            grep -qxF "$f" <<<"$list" || fail "$f is not in $(basename "$rpm")"
        done
        if grep -q '\.la$' <<<"$list"; then fail "a libtool .la is in $(basename "$rpm")"; fi
        # HSTSMaxAgeRamp's state directory (owned by apache, 0750) and the snippet naming it
        local dirline
        dirline=$(rpm -qlvp "$rpm" 2>/dev/null | awk -v d="$RPM_STATE_DIR" '$NF == d {print $1, $3, $4}')
        [ "$dirline" = "drwxr-x--- apache apache" ] && ok "$(basename "$rpm"): $RPM_STATE_DIR $dirline" \
            || fail "$RPM_STATE_DIR in $(basename "$rpm") should be drwxr-x--- apache apache: '$dirline'"
        if command -v rpm2archive >/dev/null; then
            local snippet
            snippet=$(rpm2archive - <"$rpm" | tar -xzO ./etc/httpd/conf.d/hsts_audit.conf)
            grep -qxE "[[:space:]]*HSTSStateDir $RPM_STATE_DIR" <<<"$snippet" \
                && ok "the rpm's hsts_audit.conf sets HSTSStateDir $RPM_STATE_DIR" \
                || fail "the rpm's hsts_audit.conf does not set HSTSStateDir $RPM_STATE_DIR"
            if grep -qE "^[[:space:]]*HSTSStateDir $DEB_STATE_DIR" <<<"$snippet"; then
                fail "the rpm's hsts_audit.conf still sets HSTSStateDir $DEB_STATE_DIR"
            fi
        else
            warn "rpm2archive not installed: the rpm's hsts_audit.conf is not read"
        fi
        grep -E '^# (TOTAL|PASS|FAIL):' "$WORK/rpmbuild.log" | sed 's/^/    %check: /'
    else
        tail -n 40 "$WORK/rpmbuild.log" >&2
        fail "rpmbuild -bb (log: $WORK/rpmbuild.log)"
    fi
}

# ---- main --------------------------------------------------------------------------
cmd=${1:-all}
[ $# -gt 0 ] && shift
case "$cmd" in
    all)
        setup_work
        do_dist
        do_distcheck
        do_deb
        if [ -n "${DEB_DIR:-}" ]; then do_install "$DEB_DIR"; fi
        do_rpm_spec
        do_rpmbuild
        ;;
    dist)      setup_work; do_dist ;;
    distcheck) setup_work; do_distcheck ;;
    deb)       setup_work; do_deb ;;
    install)   setup_work; do_install "${1:-}" ;;
    rpm-spec)  do_rpm_spec "$@" ;;
    rpm)       setup_work; [ -f "$WORK/tree/Makefile" ] && [ -f "$(tarball)" ] || do_dist
               do_rpm_spec; do_rpmbuild ;;
    *) echo "usage: $0 [all|dist|distcheck|deb|install DIR|rpm-spec [SPEC [VERSION]]|rpm]" >&2; exit 2 ;;
esac

if [ -n "${WORK:-}" ]; then finish_work; fi
if [ "$failures" -ne 0 ]; then
    printf '\n%d packaging check(s) FAILED\n' "$failures" >&2
    exit 1
fi
printf '\nAll packaging checks passed.\n'
