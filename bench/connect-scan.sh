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
BENCH=connect-scan
NS_PREFIX=pt-bench
. "$(dirname "$0")/lib.sh"
bench_setup
cc -O2 -o "$TMP/epoll-floor" "$HERE/epoll-floor.c" || die "cannot build floor"

# 20 listeners spread over the port range.
LPORTS="22 25 53 80 110 143 443 445 993 3306 5432 6379 8000 8080 8443 9000
  11211 27017 40000 65535"
# shellcheck disable=SC2086
bench_listen 127.0.0.1 20 $LPORTS
WANT=$(echo $LPORTS | tr ' ' '\n' | sort -n | paste -sd, -)

# run NAME CMD...: RUNS timed runs; leaves "median_s max_rss_kb open_ports"
# in $TMP/NAME.
run() {
  local name=$1 open med rss
  shift
  bench_time "$name" 120 "$@"
  read -r med rss <"$TMP/$name.time"
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

read -r _ _ p_open <"$TMP/portolan"
printf '%-10s %9s %10s  %s\n' "" "median_s" "maxrss_kb" "open ports"
for n in portolan nmap-T5 nmap-T4 floor; do
  read -r t rss open <"$TMP/$n"
  same=$([ "$open" = "$WANT" ] && echo "expected" || echo "DIFFERENT: $open")
  printf '%-10s %9s %10s  %s\n' "$n" "$t" "$rss" "$same"
done
for n in nmap-T5 nmap-T4 floor; do
  echo "ratio portolan/$n: $(bench_ratio portolan "$n")"
done
read -r _ _ n4 <"$TMP/nmap-T4"
echo "open ports identical to nmap -T4: $([ "$p_open" = "$n4" ] && echo yes ||
  echo NO)"
