#!/bin/bash
# Benchmark: TCP connect scan of all 65535 ports of a loopback address with
# ~20 listeners, Portolan against `nmap -sT -T5` and `-T4`, plus the floor
# (bench/epoll-floor.c: the simplest single-threaded epoll connect loop).
# Everything runs inside a network namespace this script creates (so no
# host port is touched), three runs each; prints the median wall time, the
# max RSS, the ratio to each Nmap and whether the open ports are identical.
#
# usage: bench/connect-scan.sh            (root; PORTOLAN=path overrides
#                                          the binary, default build/portolan)
# Bounded: every run is killed after 120 s; the listeners after 30 min.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PORTOLAN=${PORTOLAN:-$HERE/../build/portolan}
RUNS=${RUNS:-3}
NS=pt-bench-$$
TMP=$(mktemp -d)
LPID=
cleanup() {
  [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
die() { echo "connect-scan: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespace)"
[ -x "$PORTOLAN" ] || die "no portolan binary at $PORTOLAN (set PORTOLAN)"
command -v nmap >/dev/null || die "nmap not installed"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
cc -O2 -o "$TMP/epoll-floor" "$HERE/epoll-floor.c" || die "cannot build floor"

cc -O2 -o "$TMP/listener" "$HERE/listener.c" || die "cannot build listener"
ip netns add "$NS" || die "ip netns add"
ip -n "$NS" link set lo up
# 20 listeners spread over the port range.
LPORTS="22 25 53 80 110 143 443 445 993 3306 5432 6379 8000 8080 8443 9000
  11211 27017 40000 65535"
# The namespace's own accept-queue limit, and a C listener (bench/
# listener.c): a slow listener's overflowing queue would make both scanners
# measure their retransmission timers instead.
ip netns exec "$NS" sysctl -qw net.core.somaxconn=65535
ip netns exec "$NS" "$TMP/listener" 1800 127.0.0.1 $LPORTS >"$TMP/ready" &
LPID=$!
for i in $(seq 50); do
  [ "$(ip netns exec "$NS" ss -ltnH | wc -l)" -ge 20 ] && break
  sleep 0.1
done
WANT=$(echo $LPORTS | tr ' ' '\n' | sort -n | paste -sd, -)

# run NAME CMD...: RUNS timed runs; leaves "median_s max_rss_kb open_ports"
# in $TMP/NAME.
run() {
  local name=$1
  shift
  : >"$TMP/$name.times"
  for i in $(seq "$RUNS"); do
    ip netns exec "$NS" timeout 120 /usr/bin/time -f "%e %M" -o "$TMP/t" \
      "$@" >"$TMP/$name.out" 2>/dev/null
    cat "$TMP/t" >>"$TMP/$name.times"
  done
  local med rss open
  med=$(awk '{print $1}' "$TMP/$name.times" | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(awk '{print $2}' "$TMP/$name.times" | sort -n | tail -1)
  if [ "$name" = floor ]; then
    open=$(tail -n +2 "$TMP/$name.out" | sort -n | paste -sd, -)
  else
    open=$(sed -n 's/.*Ports: //p' "$TMP/$name.out" | tr ',' '\n' |
      awk -F/ '$2 == "open" {gsub(/ /, "", $1); print $1}' | sort -n |
      paste -sd, -)
  fi
  echo "$med $rss $open" >"$TMP/$name"
}

T="127.0.0.1"
run portolan "$PORTOLAN" -sT -n -Pn -p- "$T" -oG -
run nmap-T5 nmap -sT -n -Pn -T5 -p- "$T" -oG -
run nmap-T4 nmap -sT -n -Pn -T4 -p- "$T" -oG -
run floor "$TMP/epoll-floor" "$T"

read -r p_t p_rss p_open <"$TMP/portolan"
printf '%-10s %9s %10s  %s\n' "" "median_s" "maxrss_kb" "open ports"
for n in portolan nmap-T5 nmap-T4 floor; do
  read -r t rss open <"$TMP/$n"
  same=$([ "$open" = "$WANT" ] && echo "expected" || echo "DIFFERENT: $open")
  printf '%-10s %9s %10s  %s\n' "$n" "$t" "$rss" "$same"
done
for n in nmap-T5 nmap-T4 floor; do
  read -r t _ _ <"$TMP/$n"
  echo "ratio portolan/$n: $(awk -v a="$p_t" -v b="$t" 'BEGIN {
    if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
done
read -r _ _ n4 <"$TMP/nmap-T4"
echo "open ports identical to nmap -T4: $([ "$p_open" = "$n4" ] && echo yes ||
  echo NO)"
