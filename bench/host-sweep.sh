#!/bin/bash
# Benchmark: `-sT -Pn -n -p 22,80,443` over 65536 loopback addresses
# (127.1.0.0/16), Portolan against `nmap -T4` (and -T3, Nmap's default).
# Runs inside a network namespace this script creates; listeners on
# 0.0.0.0:22 and 0.0.0.0:80 make every address answer (all of 127/8 is
# local on Linux, no address needs adding), 443 stays closed. Three runs
# each; prints median wall time, max RSS, ratios, and whether every
# host:port state is identical between the tools.
#
# usage: bench/host-sweep.sh     (root; PORTOLAN=path, default build/portolan;
#                                 RUNS=n, default 3; NET=cidr to shrink)
# Bounded: each run is killed after 300 s; the listeners after 30 min.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PORTOLAN=${PORTOLAN:-$HERE/../build/portolan}
RUNS=${RUNS:-3}
NET=${NET:-127.1.0.0/16}
NS=pt-sweep-$$
TMP=$(mktemp -d)
LPID=
cleanup() {
  [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
die() { echo "host-sweep: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespace)"
[ -x "$PORTOLAN" ] || die "no portolan binary at $PORTOLAN (set PORTOLAN)"
command -v nmap >/dev/null || die "nmap not installed"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"

cc -O2 -o "$TMP/listener" "$HERE/listener.c" || die "cannot build listener"
ip netns add "$NS" || die "ip netns add"
ip -n "$NS" link set lo up
# The namespace's own accept-queue limit, and a C listener (bench/
# listener.c): a slow listener's overflowing queue would make both scanners
# measure their retransmission timers instead.
ip netns exec "$NS" sysctl -qw net.core.somaxconn=65535
ip netns exec "$NS" "$TMP/listener" 1800 0.0.0.0 22 80 >"$TMP/ready" &
LPID=$!
for i in $(seq 50); do
  [ "$(ip netns exec "$NS" ss -ltnH | wc -l)" -ge 2 ] && break
  sleep 0.1
done

# run NAME CMD...: RUNS timed runs; "median_s max_rss_kb" in $TMP/NAME and
# the sorted "ip port/state" lines of the last run in $TMP/NAME.states.
run() {
  local name=$1
  shift
  : >"$TMP/$name.times"
  for i in $(seq "$RUNS"); do
    ip netns exec "$NS" timeout 300 /usr/bin/time -f "%e %M" -o "$TMP/t" \
      "$@" >"$TMP/$name.out" 2>/dev/null
    cat "$TMP/t" >>"$TMP/$name.times"
  done
  local med rss
  med=$(awk '{print $1}' "$TMP/$name.times" | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(awk '{print $2}' "$TMP/$name.times" | sort -n | tail -1)
  echo "$med $rss" >"$TMP/$name"
  awk -F'\t' '/Ports:/ {
      split($1, h, " "); sub(/^Ports: /, "", $2); n = split($2, p, ", ")
      for (i = 1; i <= n; i++) { split(p[i], f, "/"); print h[2], f[1] "/" f[2] }
    }' "$TMP/$name.out" | sort >"$TMP/$name.states"
}

P="22,80,443"
run portolan "$PORTOLAN" -sT -Pn -n -p "$P" "$NET" -oG -
run nmap-T4 nmap -sT -Pn -n -T4 -p "$P" "$NET" -oG -
run nmap-T3 nmap -sT -Pn -n -p "$P" "$NET" -oG -

read -r p_t _ <"$TMP/portolan"
printf '%-10s %9s %10s %8s\n' "" "median_s" "maxrss_kb" "states"
for n in portolan nmap-T4 nmap-T3; do
  read -r t rss <"$TMP/$n"
  printf '%-10s %9s %10s %8s\n' "$n" "$t" "$rss" \
    "$(wc -l <"$TMP/$n.states")"
done
for n in nmap-T4 nmap-T3; do
  read -r t _ <"$TMP/$n"
  echo "ratio portolan/$n: $(awk -v a="$p_t" -v b="$t" 'BEGIN {
    if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
done
if cmp -s "$TMP/portolan.states" "$TMP/nmap-T4.states"; then
  echo "host:port states identical to nmap -T4: yes"
else
  echo "host:port states identical to nmap -T4: NO"
  diff "$TMP/nmap-T4.states" "$TMP/portolan.states" | head -10
fi
