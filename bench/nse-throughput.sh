#!/bin/bash
# NSE throughput benchmark (issue #5; not a test): Portolan against Nmap on
# the same services, inside a private network namespace (loopback only).
#   (a) --script banner,+http-title,+http-server-header against nginx on
#       port 80 of 254 addresses (127.0.1.1-254 on the namespace's lo);
#       goal: Portolan <= 0.1x Nmap's wall time at default settings, and no
#       slower than Nmap with --max-parallelism 500;
#   (b) --script +http-title,+http-server-header against nginx on 500 ports
#       of 127.0.0.1; goal: Portolan <= 0.5x Nmap's wall and CPU time.
# Prints the median of RUNS runs (default 3) of wall and CPU (user+sys)
# seconds, the ratios, and whether both sides gave the same script results.
# Usage: bench/nse-throughput.sh [path/to/portolan]   (as root)
# Env: RUNS=3, NMAP=/usr/bin/nmap, KEEP=1 keeps the temp dir, CASES=ab (the
# cases to run: a, b or both).
set -u
SRC="$(cd "$(dirname "$0")/.." && pwd)"
PORTOLAN="${1:-${PORTOLAN:-$SRC/build/portolan}}"
NMAP="${NMAP:-/usr/bin/nmap}"
RUNS="${RUNS:-3}"
CASES="${CASES:-ab}"
[ -x "$PORTOLAN" ] || { echo "no portolan binary at $PORTOLAN" >&2; exit 1; }
[ -x "$NMAP" ] || { echo "no nmap at $NMAP" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -z "${KEEP:-}" ] || export PT_KEEP_TMP=1
PT_TEST_NAME=bench
. "$SRC/tests/integration/lib.sh"
require_root
require_cmd nginx
ns_setup bench

# nginx on 0.0.0.0:80 (every 127/8 address of the namespace's lo) and on
# 127.0.0.1:8000-8499.
d="$PT_TMP/nginx"
mkdir -p "$d/www" "$d/tmp" "$d/logs"
chmod 755 "$d" "$d/www"
printf '<html><head><title>Portolan bench page</title></head><body>ok</body></html>\n' \
  >"$d/www/index.html"
chmod 644 "$d/www/index.html"
ensure_user www-data
{
  echo "daemon off; master_process on; worker_processes 2; user www-data;"
  echo "pid $d/nginx.pid; error_log $d/logs/error.log; worker_rlimit_nofile 16384;"
  echo "events { worker_connections 8192; }"
  echo "http { access_log off;"
  for t in client_body proxy fastcgi uwsgi scgi; do
    echo "  ${t}_temp_path $d/tmp/$t;"
  done
  echo "  server { listen 0.0.0.0:80; root $d/www; }"
  echo "  server {"
  for p in $(seq 8000 8499); do echo "    listen 127.0.0.1:$p;"; done
  echo "    root $d/www; }"
  echo "}"
} >"$d/nginx.conf"
ns_bg nginx nginx -e "$d/logs/error.log" -p "$d" -c "$d/nginx.conf"
wait_port 80
wait_port 8499

# measure NAME CMD...: runs CMD RUNS times in the namespace; records wall and
# CPU seconds per run in $PT_TMP/NAME.times and keeps the last output.
measure() {
  local name="$1" i
  shift
  : >"$PT_TMP/$name.times"
  for i in $(seq 1 "$RUNS"); do
    ns_exec timeout 900 /usr/bin/time -f '%e %U %S' -o "$PT_TMP/$name.t" \
      "$@" >"$PT_TMP/$name.out" 2>"$PT_TMP/$name.err" ||
      echo "bench: $name run $i failed: $(tail -n2 "$PT_TMP/$name.err")" >&2
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$PT_TMP/$name.t" >>"$PT_TMP/$name.times"
  done
}
# median NAME COLUMN (1 wall, 2 cpu)
median() {
  sort -n -k"$2","$2" "$PT_TMP/$1.times" | awk -v c="$2" \
    '{v[NR] = $c} END {print v[int((NR + 1) / 2)]}'
}
# The script results and port lines, host by host, in a stable order.
results() {
  awk '/^Nmap scan report for /{h=$5} /^[0-9]+\/tcp|^\|/{print h, $0}' "$1" |
    sed 's/ *$//' | sort
}
same() {
  if diff <(results "$PT_TMP/$1.out") <(results "$PT_TMP/$2.out") \
    >"$PT_TMP/$1-$2.diff"; then
    echo "same script results ($(results "$PT_TMP/$1.out" | grep -c '|') lines)"
  else
    echo "DIFFERENT script results: $(grep -c '^[<>]' "$PT_TMP/$1-$2.diff") lines differ (see $PT_TMP/$1-$2.diff with KEEP=1)"
  fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}'; }

common=(-n -Pn -sT)
A_ARGS=(-p 80 127.0.1.1-254 --script banner,+http-title,+http-server-header)
B_ARGS=(-p 8000-8499 127.0.0.1 --script +http-title,+http-server-header)

if [[ $CASES == *a* ]]; then
  measure pa "$PORTOLAN" "${common[@]}" "${A_ARGS[@]}" --datadir /usr/share/nmap
  measure na "$NMAP" "${common[@]}" "${A_ARGS[@]}"
  measure na500 "$NMAP" "${common[@]}" "${A_ARGS[@]}" --max-parallelism 500
fi
if [[ $CASES == *b* ]]; then
  measure pb "$PORTOLAN" "${common[@]}" "${B_ARGS[@]}" --datadir /usr/share/nmap
  measure nb "$NMAP" "${common[@]}" "${B_ARGS[@]}"
fi

printf '\nNSE throughput, median of %s runs (seconds: wall / CPU user+sys)\n' "$RUNS"
if [[ $CASES == *a* ]]; then
  printf '(a) 254 addresses, banner + http-title + http-server-header on port 80\n'
  printf '    portolan            %6s / %6s\n' "$(median pa 1)" "$(median pa 2)"
  printf '    nmap                %6s / %6s\n' "$(median na 1)" "$(median na 2)"
  printf '    nmap --max-par 500  %6s / %6s\n' "$(median na500 1)" "$(median na500 2)"
  printf '    wall ratio portolan/nmap %s (goal <= 0.1), portolan/nmap-500 %s (goal <= 1)\n' \
    "$(ratio "$(median pa 1)" "$(median na 1)")" "$(ratio "$(median pa 1)" "$(median na500 1)")"
  printf '    %s\n' "$(same pa na)"
fi
if [[ $CASES == *b* ]]; then
  printf '(b) 500 ports of 127.0.0.1, http-title + http-server-header\n'
  printf '    portolan            %6s / %6s\n' "$(median pb 1)" "$(median pb 2)"
  printf '    nmap                %6s / %6s\n' "$(median nb 1)" "$(median nb 2)"
  printf '    ratio portolan/nmap wall %s, CPU %s (goal <= 0.5 both)\n' \
    "$(ratio "$(median pb 1)" "$(median nb 1)")" "$(ratio "$(median pb 2)" "$(median nb 2)")"
  printf '    %s\n' "$(same pb nb)"
fi
