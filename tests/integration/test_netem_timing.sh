#!/bin/bash
# Connect scan over a slow, lossy link: two network namespaces joined by a
# link whose scanner side delays every packet by 100 ms and loses 20% of
# them (tc netem, or a TUN delay line where the kernel lacks netem). Adaptive timeouts and retransmissions must still
# classify every port right: open (listeners), closed, and filtered (an
# nftables drop on the target side). Also checks that the measured RTT
# reaches the output (latency near 100 ms).
# Needs root (ip netns, tc, nft). Env: PORTOLAN (binary).
set -u
PORTOLAN=${PORTOLAN:?set PORTOLAN to the portolan binary}
A=pt-nmA-$$
B=pt-nmB-$$
LPID=
DPID=
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
  ip netns del "$A" 2>/dev/null
  ip netns del "$B" 2>/dev/null
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v tc >/dev/null && command -v nft >/dev/null ||
  { echo "SKIP: needs tc and nft"; exit 77; }
ip netns add "$A" && ip netns add "$B" || fail "ip netns add"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
# The link: a veth pair with netem on the scanner's side, or, on kernels
# without sch_netem, two TUN devices joined by a user-space delay line that
# does the same (netem_tun.py).
ip link add vA netns "$A" type veth peer name vB netns "$B" || fail "veth"
ip -n "$A" link set vA up && ip -n "$B" link set vB up || fail "links up"
if ip netns exec "$A" tc qdisc add dev vA root netem delay 100ms loss 20% \
  2>/dev/null; then
  ip -n "$A" addr add 10.213.0.1/24 dev vA
  ip -n "$B" addr add 10.213.0.2/24 dev vB
  LINK="veth+netem"
else
  ip -n "$A" link del vA
  ip -n "$A" tuntap add dev tunA mode tun || fail "tuntap"
  ip -n "$B" tuntap add dev tunB mode tun || fail "tuntap"
  ip -n "$A" addr add 10.213.0.1/24 dev tunA
  ip -n "$B" addr add 10.213.0.2/24 dev tunB
  ip -n "$A" link set tunA up && ip -n "$B" link set tunB up || fail "tun up"
  RDY=$(mktemp)
  python3 "$(dirname "$0")/netem_tun.py" "$A" tunA "$B" tunB 100 20 300 \
    >"$RDY" &
  DPID=$!
  for i in $(seq 50); do
    grep -q ready "$RDY" && break
    sleep 0.1
  done
  grep -q ready "$RDY" || fail "delay line did not start"
  rm -f "$RDY"
  LINK="tun+delay line"
fi
OPEN=$(seq 2000 2009)
CLOSED=$(seq 3000 3024)
DROP="4000 4001"
ip netns exec "$B" timeout 300 python3 -c '
import socket, select, sys
ls = []
for p in map(int, sys.argv[1:]):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(128); ls.append(s)
while True:
    r, _, _ = select.select(ls, [], [], 1)
    for s in r:
        c, _ = s.accept(); c.close()
' $OPEN $DROP >/dev/null &
LPID=$!
for i in $(seq 50); do
  n=$(ip netns exec "$B" ss -ltnH | wc -l)
  [ "$n" -ge 12 ] && break
  sleep 0.1
done
[ "$n" -ge 12 ] || fail "listeners did not start"
ip netns exec "$B" nft -f - <<EOF || fail "nft rules"
table inet pt_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport { 4000, 4001 } drop
  }
}
EOF

ALL=$(echo $OPEN $CLOSED $DROP | tr ' ' ',')
start=$(date +%s)
out=$(ip netns exec "$A" timeout 240 "$PORTOLAN" -sT -n -Pn -p "$ALL" \
  10.213.0.2 -oG - -oN /dev/stdout 2>&1) || fail "portolan failed: $out"
took=$(($(date +%s) - start))
got=$(echo "$out" | sed -n 's/.*Ports: //p' | tr -d '\t' |
  sed 's/Ignored State.*//' | tr ',' '\n' | sed 's/^ *//' |
  awk -F/ 'NF>2 {print $1 "/" $2}' | sort -n)
want=$( (for p in $OPEN; do echo "$p/open"; done
  for p in $CLOSED; do echo "$p/closed"; done
  for p in $DROP; do echo "$p/filtered"; done) | sort -n)
# Closed ports may be folded into "Ignored State"; compare open and
# filtered exactly, and count the closed ones.
g1=$(echo "$got" | grep -v /closed)
w1=$(echo "$want" | grep -v /closed)
[ "$g1" = "$w1" ] || fail "open/filtered differ
--- want
$w1
--- got
$g1
--- output
$out"
nclosed=$(echo "$got" | grep -c /closed)
if [ "$nclosed" != 25 ]; then
  echo "$out" | grep -q "Ignored State: closed (25)" ||
    fail "closed ports not all closed: $out"
fi
# Latency as measured: the 100 ms delay, give or take.
lat=$(echo "$out" | sed -n 's/.*Host is up (\([0-9.]*\)s latency).*/\1/p' |
  head -1)
[ -n "$lat" ] || fail "no latency line: $out"
awk -v l="$lat" 'BEGIN { exit !(l >= 0.09 && l <= 0.5) }' ||
  fail "latency $lat s not near 0.1 s"
[ -n "${VERBOSE:-}" ] && echo "$out"
echo "PASS ($LINK, $took s)"
