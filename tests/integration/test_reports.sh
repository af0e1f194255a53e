#!/bin/bash
# Reports end to end: listeners in a throwaway network namespace, a scan
# with -oA, and the four files checked with the tools people feed them to
# (xmllint against Nmap's DTD, ndiff, python3-libnmap, a JSON parser); then
# SIGINT in the middle of a long scan must still leave a valid XML file with
# its <runstats>. All traffic stays inside the namespace.
set -u
P=${PORTOLAN:?set PORTOLAN to the portolan binary}
PY=/usr/bin/python3
DTD=/usr/share/nmap/nmap.dtd
# shellcheck source=tests/integration/ns_checks.sh
. "$(dirname "$0")/ns_checks.sh"
nsc_setup rep xmllint ndiff ncat nft
[ -r "$DTD" ] || { echo "SKIP: $DTD missing"; exit 77; }

# Listeners on fixed ports: they live only inside our namespace.
OPEN_PORTS="22 80 8080"
for port in $OPEN_PORTS; do
  ns ncat -lk 127.0.0.1 "$port" >/dev/null 2>&1 &
  pids+=($!)
done
# Wait (bounded) until every listener accepts.
# shellcheck disable=SC2086 # the list splits into ports
nsc_wait_tcp $OPEN_PORTS
PORTS=20-25,80,443,8080,9000-9010

for run in a b; do
  timeout 60 ip netns exec "$NS" "$P" -n -Pn -sT -p "$PORTS" \
    -oA "$TMP/$run" 127.0.0.1 >"$TMP/$run.screen" 2>"$TMP/$run.err"
  rc=$?
  [ "$rc" -eq 0 ] || fail "run $run: status $rc: $(head -5 "$TMP/$run.err")"
  for ext in nmap xml gnmap jsonl; do
    [ -s "$TMP/$run.$ext" ] || fail "run $run: $run.$ext missing or empty"
  done
done

# XML: valid against Nmap's DTD, loads in python-libnmap with the right
# ports, and two identical scans show no difference in ndiff.
xmllint --noout --dtdvalid "$DTD" "$TMP/a.xml" 2>"$TMP/xmllint.err" ||
  fail "a.xml is not valid: $(head -5 "$TMP/xmllint.err")"
ndiff "$TMP/a.xml" "$TMP/b.xml" >"$TMP/ndiff.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "ndiff a.xml b.xml: status $rc: $(head -20 "$TMP/ndiff.out")"
"$PY" - "$TMP/a.xml" "$OPEN_PORTS" <<'EOF' || fail "python-libnmap check"
import sys
from libnmap.parser import NmapParser
rep = NmapParser.parse_fromfile(sys.argv[1])
want = sorted(int(p) for p in sys.argv[2].split())
assert len(rep.hosts) == 1, "hosts: %r" % rep.hosts
h = rep.hosts[0]
assert h.address == "127.0.0.1", h.address
assert h.is_up(), "host not up"
got = sorted(p for p, proto in h.get_open_ports())
assert got == want, "open ports %r, want %r" % (got, want)
closed = [s for s in h.services if s.state == "closed"]
assert len(closed) > 0, "no closed ports reported"
assert rep.hosts_up == 1, rep.hosts_up
EOF

# JSON lines: every line is an object; run first, stats last, the open
# ports are in the host record.
"$PY" - "$TMP/a.jsonl" "$OPEN_PORTS" <<'EOF' || fail "JSON lines check"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert all(isinstance(r, dict) for r in recs)
assert recs[0].get("type") == "run", recs[0]
assert recs[-1].get("type") == "stats", recs[-1]
hosts = [r for r in recs if r.get("type") == "host"]
assert len(hosts) == 1, len(hosts)
found = set()
def walk(v):
    if isinstance(v, dict):
        num = v.get("port", v.get("portid"))
        st = v.get("state")
        if isinstance(st, dict):
            st = st.get("state")
        if num is not None and st == "open":
            found.add(int(num))
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(hosts[0])
want = set(int(p) for p in sys.argv[2].split())
assert found == want, "open ports %r, want %r" % (sorted(found), sorted(want))
EOF

# Normal and grepable reports name the open ports.
for port in $OPEN_PORTS; do
  grep -Eq "^$port/tcp +open" "$TMP/a.nmap" || fail "a.nmap: no $port/tcp open line"
  grep -q "$port/open/tcp" "$TMP/a.gnmap" || fail "a.gnmap: no $port/open/tcp"
done
grep -q "^# Nmap done\|^# Portolan done" "$TMP/a.gnmap" ||
  fail "a.gnmap: no done trailer"
cmp -s "$TMP/a.screen" /dev/null && fail "nothing printed on screen"

# SIGINT in the middle of a long scan of a host whose packets are dropped.
ns nft -f - <<'EOF' || fail "nft setup"
table inet ptdrop {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 127.0.0.2 tcp flags syn drop
  }
}
EOF
ip netns exec "$NS" "$P" -n -Pn -sT -p- --max-retries 3 --stats-every 200ms \
  -oX "$TMP/int.xml" \
  -oJ "$TMP/int.jsonl" 127.0.0.2 >"$TMP/int.screen" 2>"$TMP/int.err" &
spid=$!
sleep 1
kill -INT "$spid"
# Bounded wait for a clean exit.
for _ in $(seq 1 100); do
  kill -0 "$spid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$spid" 2>/dev/null; then
  fail "scan still running 10 s after SIGINT"
  kill -KILL "$spid"
fi
wait "$spid"
rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: status $rc, want 130: $(head -5 "$TMP/int.err")"
xmllint --noout --dtdvalid "$DTD" "$TMP/int.xml" 2>"$TMP/xmllint2.err" ||
  fail "interrupted XML is not valid: $(head -5 "$TMP/xmllint2.err")"
grep -q "<runstats>" "$TMP/int.xml" || fail "interrupted XML has no <runstats>"
grep -q "^Stats: 0:00:0[0-9] elapsed; 0 hosts completed" "$TMP/int.screen" ||
  fail "no --stats-every line: $(head -5 "$TMP/int.screen")"
grep -q "</nmaprun>" "$TMP/int.xml" || fail "interrupted XML is not closed"
"$PY" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert recs and recs[-1].get("type") == "stats", recs[-1:]
' "$TMP/int.jsonl" || fail "interrupted JSON lines not closed by a stats record"

nsc_result
