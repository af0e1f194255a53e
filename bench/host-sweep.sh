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
BENCH=host-sweep
NS_PREFIX=pt-sweep
NET=${NET:-127.1.0.0/16}
. "$(dirname "$0")/lib.sh"
bench_setup
bench_listen 0.0.0.0 2 22 80

# run NAME CMD...: RUNS timed runs; "median_s max_rss_kb" in $TMP/NAME and
# the sorted "ip port/state" lines of the last run in $TMP/NAME.states.
run() {
  local name=$1
  shift
  bench_time "$name" 300 "$@"
  cp "$TMP/$name.time" "$TMP/$name"
  awk -F'\t' '/Ports:/ {
      split($1, h, " "); sub(/^Ports: /, "", $2); n = split($2, p, ", ")
      for (i = 1; i <= n; i++) { split(p[i], f, "/"); print h[2], f[1] "/" f[2] }
    }' "$TMP/$name.out" | sort >"$TMP/$name.states"
}

P="22,80,443"
run portolan "$PORTOLAN" -sT -Pn -n -p "$P" "$NET" -oG -
run nmap-T4 nmap -sT -Pn -n -T4 -p "$P" "$NET" -oG -
run nmap-T3 nmap -sT -Pn -n -p "$P" "$NET" -oG -

printf '%-10s %9s %10s %8s\n' "" "median_s" "maxrss_kb" "states"
for n in portolan nmap-T4 nmap-T3; do
  read -r t rss <"$TMP/$n"
  printf '%-10s %9s %10s %8s\n' "$n" "$t" "$rss" \
    "$(wc -l <"$TMP/$n.states")"
done
for n in nmap-T4 nmap-T3; do
  echo "ratio portolan/$n: $(bench_ratio portolan "$n")"
done
if cmp -s "$TMP/portolan.states" "$TMP/nmap-T4.states"; then
  echo "host:port states identical to nmap -T4: yes"
else
  echo "host:port states identical to nmap -T4: NO"
  diff "$TMP/nmap-T4.states" "$TMP/portolan.states" | head -10
fi
