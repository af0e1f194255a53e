#!/bin/bash
# Connect scan (-sT) end to end, inside a network namespace of its own:
# listeners on some ports (open), nothing on others (closed), an nftables
# drop (filtered, no-response), an ICMP admin-prohibited reject (filtered)
# and a TCP-reset reject (closed). Every port must be reported exactly, and
# exactly as Nmap reports it in the same namespace. Also checks discovery
# without -Pn (a host that answers on 80 is up; one that drops everything
# is down).
# Needs root (ip netns, nft). Env: PORTOLAN (binary).
set -u
PORTOLAN=${PORTOLAN:?set PORTOLAN to the portolan binary}
NS=pt-scan-$$
LPID=
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: needs nft"; exit 77; }
ip netns add "$NS" || fail "ip netns add"
ip -n "$NS" link set lo up || fail "lo up"

OPEN="22 80 443 8080 31337"
DROP=9999      # listener behind an nft drop: filtered (no-response)
PROHIB=9998    # nft reject with admin-prohibited: filtered
RESET=9997     # nft reject with tcp reset: closed
CLOSED="23 81 1234"
ALL=$(echo $OPEN $DROP $PROHIB $RESET $CLOSED | tr ' ' '\n' | sort -n |
  paste -sd, -)

# Listeners inside the namespace; they accept and close, for at most 120 s.
ip netns exec "$NS" timeout 120 python3 -c '
import socket, select, sys
ls = []
for p in map(int, sys.argv[1:]):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(128); ls.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select(ls, [], [], 1)
    for s in r:
        c, _ = s.accept(); c.close()
' $OPEN $DROP $PROHIB $RESET >/dev/null &
LPID=$!
for i in $(seq 50); do
  n=$(ip netns exec "$NS" ss -ltnH | wc -l)
  [ "$n" -ge 8 ] && break
  sleep 0.1
done
[ "$n" -ge 8 ] || fail "listeners did not start"

ip netns exec "$NS" nft -f - <<EOF || fail "nft rules"
table inet pt_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport $DROP drop
    tcp dport $PROHIB reject with icmpx type admin-prohibited
    tcp dport $RESET reject with tcp reset
    ip daddr 127.0.0.9 tcp dport { 80, 443 } drop
  }
}
EOF

# "port/state" pairs, sorted, from the Ports: field of -oG output.
ports_of() {
  sed -n 's/.*Ports: //p' | tr -d '\t' | sed 's/Ignored State.*//' |
    tr ',' '\n' | sed 's/^ *//' | awk -F/ 'NF>2 {print $1 "/" $2}' | sort -n
}

out=$(ip netns exec "$NS" timeout 120 "$PORTOLAN" -sT -n -Pn --max-retries 2 \
  --max-rtt-timeout 300ms -p "$ALL" 127.0.0.1 -oG - 2>&1) ||
  fail "portolan exited non-zero: $out"
got=$(echo "$out" | ports_of)
want=$( (for p in $OPEN; do echo "$p/open"; done
  for p in $CLOSED $RESET; do echo "$p/closed"; done
  echo "$DROP/filtered"; echo "$PROHIB/filtered") | sort -n)
[ "$got" = "$want" ] || fail "states differ
--- want
$want
--- got
$got
--- output
$out"

# Reasons as Nmap gives them.
out=$(ip netns exec "$NS" timeout 120 "$PORTOLAN" -sT -n -Pn --reason \
  --max-retries 1 --max-rtt-timeout 300ms -p "22,23,$DROP,$PROHIB" 127.0.0.1 \
  2>&1)
echo "$out" | grep -Eq "^22/tcp +open .*syn-ack" || fail "22 reason: $out"
echo "$out" | grep -Eq "^23/tcp +closed .*conn-refused" ||
  fail "23 reason: $out"
echo "$out" | grep -Eq "^$DROP/tcp +filtered .*no-response" ||
  fail "$DROP reason: $out"
echo "$out" | grep -Eq "^$PROHIB/tcp +filtered .*(host-unreach|admin-prohibited)" ||
  fail "$PROHIB reason: $out"

# The same as Nmap in the same namespace.
nm=$(ip netns exec "$NS" timeout 120 nmap -sT -n -Pn --max-retries 2 \
  --max-rtt-timeout 300ms -p "$ALL" 127.0.0.1 -oG - 2>&1 | ports_of)
[ "$nm" = "$got" ] || fail "differs from nmap
--- nmap
$nm
--- portolan
$got"

# Discovery: 127.0.0.1 answers on 80 (open); 127.0.0.9 drops 80 and 443.
out=$(ip netns exec "$NS" timeout 120 "$PORTOLAN" -sT -n -p 22 --reason \
  --max-retries 1 --max-rtt-timeout 300ms 127.0.0.1 127.0.0.9 -oG - 2>&1)
echo "$out" | grep -q "Host: 127.0.0.1 .*Ports: 22/open" ||
  fail "127.0.0.1 not scanned after discovery: $out"
echo "$out" | grep -q "Host: 127.0.0.9 .*Ports:" &&
  fail "127.0.0.9 should be down: $out"

# A whole range with one open port among many closed ones.
out=$(ip netns exec "$NS" timeout 120 "$PORTOLAN" -sT -n -Pn -p 1-5000 \
  127.0.0.1 -oG - 2>&1)
echo "$out" | grep -q "Ignored State: closed (4997)" ||
  fail "1-5000: closed ports not counted: $out"
n=$(echo "$out" | ports_of | grep -c /open)
[ "$n" = 3 ] || fail "1-5000: expected 3 open ports (22,80,443), got $n: $out"
# A firewalled range: no answer ever, so no RTT sample (1 s timeouts) and no
# answer to grow the window. Nmap holds such a scan to ten probes per
# timeout (about 60 s for 300 ports); Portolan's window grows on silence
# until a drop is seen, so it must take well under half of that.
ip netns exec "$NS" nft add rule inet pt_test input tcp dport 20000-20299 drop ||
  fail "nft rule"
start=$(date +%s)
out=$(ip netns exec "$NS" timeout 120 "$PORTOLAN" -sT -n -Pn -p 20000-20299 \
  127.0.0.1 -oG - 2>&1) || fail "portolan failed: $out"
took=$(($(date +%s) - start))
echo "$out" | grep -q "Ignored State: filtered (300)" ||
  fail "firewalled range: $out"
[ "$took" -le 25 ] || fail "firewalled range took $took s"

# Self-connect: with only two ephemeral ports, a connect to 127.0.0.1:40000
# can get 40000 as its own source port and "connect" to itself through
# simultaneous open. Nothing listens there: closed, not open. Twenty ports
# over two ephemeral ports also exercise the EADDRNOTAVAIL back-off.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40001" ||
  fail "port range"
out=$(ip netns exec "$NS" timeout 120 "$PORTOLAN" -sT -n -Pn -p 39990-40009 \
  127.0.0.1 -oG - 2>&1) || fail "portolan failed: $out"
n=$(echo "$out" | ports_of | grep -c /closed)
[ "$n" = 20 ] || echo "$out" | grep -q "Ignored State: closed (20)" ||
  fail "self-connect or port exhaustion misreported: $out"
echo "PASS"
