#!/bin/bash
# Hostile scripts and hostile servers (issue #5): the scan must finish in
# bounded time with every other result intact, and its memory must stay
# bounded. Scripts live in tests/integration/nse/hostile/, the servers in
# servers/hostile_server.py; everything runs in a private namespace.
#
# Checked: an endless loop, an endless loop inside pcall, a nested
# coroutine swallowing errors in a loop, a thread blocked in a mutex with
# an immortal worker (--script-timeout ends them all, reported as timed
# out); a memory bomb and a memory bomb in a worker that retries in pcall
# (--script-mem-limit ends that instance only); an error storm; 5000
# workers; 300 sockets never closed; one instance opening 260 sockets
# under a 256-descriptor limit (capped per instance); servers that send without end, one
# byte a second, accept and hang, answer TLS with garbage, reset mid-read.
# Progress lines (--stats-every) are checked too. Max RSS of the run comes
# from /usr/bin/time -f %M.
set -u
. "$(dirname "$0")/lib.sh"
require_root
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
[ -x /usr/bin/time ] || skip_test "needs /usr/bin/time (Debian package time)"
ns_setup hostile

H="$PT_SRCDIR/tests/integration/nse/hostile"
failures=0
bad() {
  pt_log "FAIL: $*"
  failures=$((failures + 1))
}

P_ENDLESS=3001 P_SLOW=3002 P_HANG=3003 P_GARBAGE=3004 P_RESET=3005 P_OK=3006
install -m 644 "$PT_LIB_DIR/servers/hostile_server.py" "$PT_TMP/"
ns_bg hostile "$PT_PYTHON" "$PT_TMP/hostile_server.py" --endless $P_ENDLESS \
  --slow $P_SLOW --hang $P_HANG --garbage $P_GARBAGE --reset $P_RESET \
  --ok $P_OK --lifetime 300
wait_port $P_OK

TIMEOUT=3
LIMIT_MB=32
scripts=""
for s in hloop hpcall hnested hmutex hmem hmempcall herrors hworkers \
  hsockets hgood hread htls; do
  scripts="$scripts${scripts:+,}$H/$s.nse"
done
out="$PT_TMP/scan.out"
start=$(date +%s)
ns_exec timeout 100 /usr/bin/time -f '%M' -o "$PT_TMP/rss" \
  "$PORTOLAN" -n -Pn -sT -p "$P_ENDLESS-$P_OK" 127.0.0.1 \
  --script "$scripts" --script-timeout ${TIMEOUT}s \
  --script-mem-limit ${LIMIT_MB}M --stats-every 1s \
  --script-args "hang=$P_HANG,garbage=$P_GARBAGE,ok=$P_OK" \
  >"$out" 2>"$PT_TMP/scan.err"
rc=$?
elapsed=$(($(date +%s) - start))
[ "$rc" -eq 0 ] || bad "exit status $rc; stderr: $(head -n3 "$PT_TMP/scan.err")"
# Pre-scan ~3 s, host scripts ~3 s, post-scan at once, plus start-up.
[ "$elapsed" -le 30 ] || bad "the scan took ${elapsed}s (timeout ${TIMEOUT}s)"

expect() { # expect REGEX WHY
  grep -Eq "$1" "$out" || bad "$2: no line matching '$1'"
}
TO="ERROR: Script timed out after ${TIMEOUT}s"
MEM="ERROR: Script exceeded its memory limit \\(${LIMIT_MB} MiB\\)"
expect "^\\|_hloop: $TO\$" "endless loop"
expect "^\\|_hpcall: $TO\$" "endless loop inside pcall"
expect "^\\|_hnested: $TO\$" "nested coroutine swallowing errors"
expect "^\\|_hmutex: $TO\$" "blocked in a mutex"
expect "^\\|_hmem: $MEM\$" "memory bomb"
expect "^\\|_hmempcall: $MEM\$" "memory bomb in a worker, in pcall"
expect '^\|_herrors: caught 100000 errors; 2000 workers dead with an error$' \
  "error storm"
expect '^\|_hworkers: 5000 workers finished$' "5000 workers"
expect '^\|_hsockets: 300 connections left open$' "sockets never closed"
expect '^\|_hgood: prerule fine$' "control (pre-scan)"
expect '^\|_hgood: postrule fine$' "control (post-scan)"
expect '^\|_hgood: portrule says hello$' "control (port)"
expect '^\|_hread: read at least 50 MB$' "endless stream"
expect '^\|_hread: read 28 bytes, then (ERROR|EOF)$' "reset mid-read"
expect '^\|_htls: ssl connect: nil ERROR$' "TLS garbage"
n=$(grep -Ec "^\\|_hread: $TO\$" "$out")
[ "$n" -eq 2 ] || bad "one byte a second and accept-and-hang: $n of 2 timed out"
grep -q 'escaped' "$out" && bad "a script escaped its limit: $(grep escaped "$out")"

# Workers of the timed-out mutex script end with it: no tick after the
# post-scan phase started.
ticks_after=$(sed -n '/^PROBE post start$/,$p' "$out" | grep -c '^PROBE tick')
[ "$ticks_after" -eq 0 ] || bad "$ticks_after worker ticks after the timeout"
grep -q '^PROBE post start$' "$out" || bad "the post-scan phase did not run"

# Progress of the script phase on --stats-every: counts, an estimate, and
# the oldest running instances (the hostile pre-scan lasts 3 s).
grep -Eq '^NSE Timing: About [0-9.]+% done; [0-9]+ script instances running, [0-9]+ queued, [0-9]+ done, [0-9]+ workers; ETC: ' "$out" ||
  bad "no NSE progress line"
grep -Eq '^NSE: oldest running: .*h(loop|pcall|nested|mutex) \([0-9.]+s\)' "$out" ||
  bad "no oldest-running line naming a stuck script"

# Memory: two instances capped at 32 MiB, 5000 workers, 300 sockets.
rss_kb=$(tail -n1 "$PT_TMP/rss")
pt_log "elapsed ${elapsed}s, max RSS ${rss_kb} KB"
# AddressSanitizer's shadow memory and quarantine inflate RSS about 4x.
bound_kb=262144
if ldd "$PORTOLAN" 2>/dev/null | grep -q libasan; then
  bound_kb=$((bound_kb * 4))
fi
[ "$rss_kb" -le "$bound_kb" ] || bad "max RSS ${rss_kb} KB (bound $((bound_kb / 1024)) MB)"

# Per-instance socket cap (socklock.h): under a 256-descriptor limit one
# instance gets (256 - 64) / 8 = 24 sockets, then connect gives false and
# the message; another instance still connects meanwhile (without the cap
# the hog took 234 descriptors and the other instance got none).
cap=$(((256 - 64) / 8))
cout="$PT_TMP/cap.out"
ns_exec timeout 60 bash -c 'ulimit -n 256 && exec "$@"' sh \
  "$PORTOLAN" -n -Pn -sT -p "$P_HANG" 127.0.0.1 \
  --script "$H/hcap.nse,$H/hcapother.nse" --script-args "hang=$P_HANG" \
  >"$cout" 2>"$PT_TMP/cap.err" ||
  bad "socket cap run: exit status $?; $(head -n3 "$PT_TMP/cap.err")"
grep -Eq "^\|_hcap: $cap of 260 connected; first refusal: false, Nsock connect failed immediately: too many sockets in this script instance\$" "$cout" ||
  bad "socket hog not capped at $cap: $(grep -A1 'hcap:' "$cout" | head -n2)"
grep -q '^|_hcapother: 5 of 5 connected$' "$cout" ||
  bad "an instance beside the hog was starved: $(grep hcapother "$cout")"

if [ "$failures" -gt 0 ]; then
  pt_log "output:"
  cat "$out" "$cout" >&2
  fail "$failures check(s) failed"
fi
pt_log "ok"
