#!/bin/bash
# Ctrl-C during the script phase (issue #3): every script result already
# produced stays in every report. In a private namespace, four echo ports
# are scanned with sigint_quick.nse (a result at once) and sigint_slow.nse
# (sleeps 60 s). Once the quick results are announced on stdout and the
# slow script has started, SIGINT goes to the scanner. Twice:
#  - "ports": during the port scripts (slow on one port): the host is
#    written with its four open ports and four quick results;
#  - "pre": during the pre-scan scripts: the quick prerule's result is
#    written, and no host is scanned.
# Each time: exit status 130 within 10 s (and `timeout 30` around it: no
# hang); -oN has the results and the footer; -oX is valid against
# nmap.dtd, with <runstats exit="error">; -oG lists the ports; every -oJ
# line parses as JSON and holds the results.
set -u
. "$(dirname "$0")/lib.sh"
require_root
require_cmd xmllint "$PT_PYTHON"
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
DTD=/usr/share/nmap/nmap.dtd
[ -r "$DTD" ] || skip_test "needs $DTD (nmap-common)"
ns_setup sigintnse

DIR="$PT_SRCDIR/tests/integration/nse/sigint"
PORTS="7101 7102 7103 7104" SLOW=7103
install -m 644 "$PT_LIB_DIR/servers/sockserv.py" "$PT_TMP/"
args=()
for p in $PORTS; do args+=(--tcp "echo:$p"); done
ns_bg sockserv "$PT_PYTHON" "$PT_TMP/sockserv.py" --lifetime \
  "$PT_SERVICE_LIFETIME" "${args[@]}"
for p in $PORTS; do wait_port "$p"; done

# interrupt NAME NQUICK SCRIPT-ARGS: runs the scan with the reports in
# $PT_TMP/NAME.*, waits (at most 20 s) until NQUICK quick results and the
# slow script's start are announced, sends SIGINT to the scanner and checks
# that it exits with status 130 within 10 s.
interrupt() {
  local name="$1" nquick="$2" sargs="$3" O="$PT_TMP/$1" spid ready=0 rc
  ip netns exec "$NS" timeout --kill-after=5 30 "$PORTOLAN" -n -Pn -sT \
    -p "${PORTS// /,}" --script "$DIR/sigint_quick.nse,$DIR/sigint_slow.nse" \
    --script-args "$sargs" -oN "$O.nmap" -oX "$O.xml" -oG "$O.gnmap" \
    -oJ "$O.json" 127.0.0.1 >"$O.out" 2>"$O.err" &
  spid=$!
  for _ in $(seq 1 200); do
    if [ "$(grep -c '^NSE: quick-done ' "$O.out" 2>/dev/null)" -eq "$nquick" ] &&
      grep -q '^NSE: slow-started' "$O.out"; then
      ready=1
      break
    fi
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
  done
  [ "$ready" -eq 1 ] ||
    fail "$name: scripts not started: $(tail -n2 "$O.out") $(head -n2 "$O.err")"
  # The scanner is the child of `timeout`, itself the child of `ip netns
  # exec` (which execs it, so $spid may be timeout itself).
  local t scanner
  t=$(pgrep -P "$spid" -x timeout || echo "$spid")
  scanner=$(pgrep -P "$t" | head -n1)
  [ -n "$scanner" ] || fail "$name: cannot find the scanner process"
  local start
  start=$(date +%s)
  kill -INT "$scanner"
  wait "$spid"
  rc=$?
  ELAPSED=$(($(date +%s) - start))
  [ "$rc" -eq 130 ] ||
    fail "$name: status $rc after SIGINT, want 130: $(head -n3 "$O.err")"
  [ "$ELAPSED" -le 10 ] || fail "$name: ${ELAPSED}s to stop after SIGINT"
  ! grep -q 'slow result' "$O.nmap" || fail "$name: the slow script finished?"
  grep -qE '^# Nmap done at .* -- [0-9]+ IP address' "$O.nmap" ||
    fail "$name: -oN has no footer: $(tail -n2 "$O.nmap")"
  xmllint --noout --dtdvalid "$DTD" "$O.xml" 2>"$PT_TMP/xmllint.err" ||
    fail "$name: -oX invalid: $(head -n2 "$PT_TMP/xmllint.err")"
  grep -q '<runstats><finished .*exit="error"' "$O.xml" ||
    fail "$name: -oX runstats: $(grep -o '<runstats>.*' "$O.xml" | head -c 300)"
  json_lines_ok "$O.json" 2>"$PT_TMP/json.err" ||
    fail "$name: -oJ: $(tail -n1 "$PT_TMP/json.err")"
}

# SIGINT while a host's port scripts run: the host is written with its
# complete port table and the four quick results.
interrupt ports 4 "slowport=$SLOW"
O="$PT_TMP/ports"
grep -q '^# Nmap done at .* -- 1 IP address (1 host up) scanned' "$O.nmap" ||
  fail "ports: -oN footer: $(tail -n1 "$O.nmap")"
for p in $PORTS; do
  grep -q "quick result $p" "$O.nmap" || fail "ports: -oN lacks the result on $p"
  grep -q "id=\"sigint_quick\" output=\"quick result $p\"" "$O.xml" ||
    fail "ports: -oX lacks the result on $p"
  grep -q "quick result $p" "$O.json" || fail "ports: -oJ lacks the result on $p"
  grep -q "Ports: .*$p/open/tcp" "$O.gnmap" || fail "ports: -oG lacks port $p"
done
ports_elapsed=$ELAPSED

# SIGINT during the pre-scan scripts: the finished prerule's result is
# written; no host is scanned.
interrupt pre 1 "pre=1"
O="$PT_TMP/pre"
grep -A1 '^Pre-scan script results:' "$O.nmap" |
  grep -q '^|_sigint_quick: quick result pre' ||
  fail "pre: -oN lacks the pre-scan result: $(head -n4 "$O.nmap")"
grep -q '<prescript><script id="sigint_quick" output="quick result pre"' \
  "$O.xml" || fail "pre: -oX lacks the pre-scan result"
grep -q 'quick result pre' "$O.json" || fail "pre: -oJ lacks the pre-scan result"
! grep -q '^Host: ' "$O.gnmap" || fail "pre: a host was scanned after SIGINT"
pt_log "ok (stopped ${ports_elapsed}s and ${ELAPSED}s after SIGINT)"
