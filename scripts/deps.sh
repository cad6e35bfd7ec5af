# Sourced by demo.sh and run-tests.sh: install what is missing from Debian's
# packages (as root), or say what to install (as another user).
# usage: ensure_packages pkg...
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "Missing Debian packages: ${missing[*]}" >&2
        echo "Install them with: sudo apt-get install ${missing[*]}  (or run this script as root)" >&2
        return 1
    fi
    echo ">> installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Packages such as apache2 and prometheus start their daemons on install;
    # the demo and the tests start their own on loopback. policy-rc.d (exit
    # 101: "action forbidden") keeps invoke-rc.d from starting any.
    local policy=/usr/sbin/policy-rc.d ours=no rc=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && ours=yes
    fi
    apt-get update -qq || rc=$?
    [ "$rc" -eq 0 ] && { apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?; }
    [ "$ours" = yes ] && rm -f "$policy"
    return "$rc"
}

# Packages needed to build the module.
BUILD_PACKAGES=(build-essential autoconf automake libtool pkg-config apache2-dev
                apache2-ssl-dev libssl-dev libapr1-dev libaprutil1-dev
                libcurl4-openssl-dev)
# Packages needed to run it (demo and integration tests).
RUN_PACKAGES=(apache2 openssl curl ca-certificates)
# Packages needed by the test suite on top of those.
TEST_PACKAGES=(check python3 python3-pytest nghttp2-client prometheus chromium libnss3-tools testssl.sh)

# Packages the smoke of the long runs needs (scripts/smoke.sh: fuzzers,
# benchmarks, soak).
SMOKE_PACKAGES=(clang libclang-rt-14-dev wrk nghttp2-client valgrind)

# Packages the packaging test needs (scripts/test-packaging.sh, make check-packaging).
PACKAGING_PACKAGES=(debhelper dpkg-dev fakeroot lintian ssl-cert rpm)

# Configure (once) and build in the source tree.
build_module() {
    [ -x configure ] || autoreconf -fi >/dev/null
    [ -f Makefile ] || ./configure --quiet
    make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
}
