#!/usr/bin/env bash
# Installs what Portolan needs to build, test and demo, from Debian's
# packages. Idempotent: one dpkg-query finds what is missing and apt runs only
# for that, so `make` stays fast (well under a second) once all is installed.
set -euo pipefail

BUILD_PKGS="build-essential cmake pkg-config liblua5.4-dev lua5.4 libuv1-dev
  libc-ares-dev libssl-dev libpcap-dev libpcre2-dev zlib1g-dev libssh2-1-dev
  lua-lpeg-dev lua-filesystem libcmocka-dev clang-format"
# Real services and tools the tests run against (never on fixed host ports:
# tests start them inside network namespaces), and the reference Nmap.
# python3: tests/integration/servers/ helpers run under Debian's
# /usr/bin/python3 as other users; socat fronts oidentd (lib.sh).
TEST_PKGS="nmap ndiff python3 python3-libnmap libxml2-utils iproute2 nftables
  iptables oidentd nginx-light openssl procps psmisc dnsmasq-base
  ncat socat passwd util-linux coreutils openssh-server openssh-client
  time gzip redis-server memcached"
# `make compat` only (scripts/install-deps.sh --compat): the heavier servers
# of tests/compat/ (Nmap's scripts against real services on both engines).
COMPAT_PKGS="vsftpd exim4-daemon-light rsync mariadb-server postgresql"
if [ "${1:-}" = "--compat" ]; then
  TEST_PKGS="$TEST_PKGS $COMPAT_PKGS"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: not a Debian system; install by hand:" \
    $BUILD_PKGS $TEST_PKGS >&2
  exit 1
fi

# shellcheck disable=SC2086
installed="$(dpkg-query -W -f='${Package} ${Status}\n' $BUILD_PKGS $TEST_PKGS \
  2>/dev/null | awk '/ install ok installed$/ { print $1 }' || true)"
want=()
for p in $BUILD_PKGS $TEST_PKGS; do
  grep -qx -- "$p" <<<"$installed" || want+=("$p")
done
[ ${#want[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-deps: missing ${want[*]}; run as root or install sudo" >&2
    exit 1
  }
  SUDO="sudo"
fi
echo "install-deps: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Package post-install scripts may start services (nginx on port 80):
# policy-rc.d 101 forbids that, the tests start their own copies.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
echo "install-deps: done"
