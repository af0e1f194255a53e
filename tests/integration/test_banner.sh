#!/usr/bin/env bash
# Our scripts/banner.nse against real listeners, compared with Nmap's own
# banner script on the same ports: plain banners, multi-line banners,
# control and high bytes, a silent service. The port blocks of the normal
# reports must be identical.
set -euo pipefail
PT_TEST_NAME=test_banner
. "$(dirname "$0")/lib.sh"
require_root
require_cmd nmap
: "${PORTOLAN:?set PORTOLAN to the binary}"
ns_setup banner

start_listener 2101 nobody 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'
start_listener 2102 nobody '220 ready\r\n220-second line\r\n'
start_listener 2103 nobody 'esc\x1b[31mred\x00nul\xc8\xff\r\n'
start_listener 2104 nobody ''

ports=2101,2102,2103,2104
scan() {
  ns_exec timeout 60 "$@" -n -Pn -sT -p "$ports" --script banner \
    --script-args banner.timeout=2s 127.0.0.1
}
# The PORT table and its script lines: from the header to the first blank.
block() { sed -n '/^PORT /,/^$/p' "$1"; }

scan nmap >"$PT_TMP/nmap.out" 2>"$PT_TMP/nmap.err" ||
  fail "nmap failed: $(cat "$PT_TMP/nmap.err")"
scan "$PORTOLAN" --datadir "$PT_SRCDIR" >"$PT_TMP/pt.out" \
  2>"$PT_TMP/pt.err" || fail "portolan failed: $(cat "$PT_TMP/pt.err")"

grep -q '^|_banner: SSH-2.0-OpenSSH_9.2p1 Debian-2$' "$PT_TMP/pt.out" ||
  fail "plain banner missing: $(block "$PT_TMP/pt.out")"
grep -q 'esc\\x1B\[31mred\\x00nul\\xC8\\xFF' "$PT_TMP/pt.out" ||
  fail "control bytes not escaped: $(block "$PT_TMP/pt.out")"
if ! diff <(block "$PT_TMP/nmap.out") <(block "$PT_TMP/pt.out") \
  >"$PT_TMP/diff"; then
  fail "port blocks differ from Nmap's:
$(cat "$PT_TMP/diff")"
fi
pt_log "PASS: banner output equals Nmap's on $ports"
