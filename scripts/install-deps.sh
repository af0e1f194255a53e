#!/usr/bin/env bash
# Installs what Portolan needs to build, test and demo, from Debian's
# packages. Idempotent: installs only what is missing, so `make` stays fast.
set -euo pipefail

BUILD_PKGS="build-essential cmake pkg-config liblua5.4-dev lua5.4 libuv1-dev
  libc-ares-dev libssl-dev libpcap-dev libpcre2-dev zlib1g-dev libssh2-1-dev
  lua-lpeg-dev lua-filesystem libcmocka-dev"
# Real services and tools the tests run against (never on fixed host ports:
# tests start them inside network namespaces), and the reference Nmap.
TEST_PKGS="nmap ndiff python3-libnmap libxml2-utils iproute2 nftables
  iptables oidentd nginx-light openssl procps psmisc dnsmasq-base
  ncat socat"

want=()
for p in $BUILD_PKGS $TEST_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || want+=("$p")
done
if [ ${#want[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
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
fi
