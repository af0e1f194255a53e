# shellcheck shell=bash
# Shared set-up of the scan benchmarks (connect-scan.sh, host-sweep.sh):
# a private network namespace with the C listener of bench/listener.c,
# timed runs with medians, and ratios. Sourced after setting BENCH (the
# script's name, for messages) and NS_PREFIX.
#
#   bench_setup             checks, temp dir, namespace (lo up, big accept
#                           queues), builds the listener; cleanup on exit
#   bench_listen ADDR N PORT...   starts the listener, waits for N sockets
#   bench_time NAME LIMIT CMD...  RUNS timed runs of CMD in the namespace,
#                           each killed after LIMIT s; leaves "median_s
#                           max_rss_kb" in $TMP/NAME.time and the last
#                           run's stdout in $TMP/NAME.out
#   bench_ratio A B         prints A's median over B's, 2 decimals
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORTOLAN=${PORTOLAN:-$HERE/../build/portolan}
RUNS=${RUNS:-3}
NS=${NS_PREFIX:-pt-bench}-$$
TMP=$(mktemp -d)
LPID=

bench_cleanup() {
  [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}

die() {
  echo "$BENCH: $*" >&2
  exit 1
}

bench_setup() {
  trap bench_cleanup EXIT
  [ "$(id -u)" = 0 ] || die "needs root (network namespace)"
  [ -x "$PORTOLAN" ] || die "no portolan binary at $PORTOLAN (set PORTOLAN)"
  command -v nmap >/dev/null || die "nmap not installed"
  [ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
  cc -O2 -o "$TMP/listener" "$HERE/listener.c" || die "cannot build listener"
  ip netns add "$NS" || die "ip netns add"
  ip -n "$NS" link set lo up
  # The namespace's own accept-queue limit, and a C listener: a slow
  # listener's overflowing queue would make both scanners measure their
  # retransmission timers instead.
  ip netns exec "$NS" sysctl -qw net.core.somaxconn=65535
}

bench_listen() {
  local addr=$1 want=$2 i
  shift 2
  ip netns exec "$NS" "$TMP/listener" 1800 "$addr" "$@" >"$TMP/ready" &
  LPID=$!
  for i in $(seq 50); do
    [ "$(ip netns exec "$NS" ss -ltnH | wc -l)" -ge "$want" ] && return 0
    sleep 0.1
  done
  die "listener did not start"
}

bench_time() {
  local name=$1 limit=$2 i med rss
  shift 2
  : >"$TMP/$name.times"
  for i in $(seq "$RUNS"); do
    ip netns exec "$NS" timeout "$limit" /usr/bin/time -f "%e %M" \
      -o "$TMP/t" "$@" >"$TMP/$name.out" 2>/dev/null
    cat "$TMP/t" >>"$TMP/$name.times"
  done
  med=$(awk '{print $1}' "$TMP/$name.times" | sort -n |
    awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss=$(awk '{print $2}' "$TMP/$name.times" | sort -n | tail -1)
  echo "$med $rss" >"$TMP/$name.time"
}

bench_ratio() {
  local a b
  read -r a _ <"$TMP/$1.time"
  read -r b _ <"$TMP/$2.time"
  awk -v a="$a" -v b="$b" 'BEGIN {
    if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}
