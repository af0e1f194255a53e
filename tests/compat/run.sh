#!/bin/bash
# `make compat`: Nmap's default scripts (-sC) over real services, Portolan
# against Nmap 7.93, block by block (issue #4).
#
# Usage: tests/compat/run.sh [--subset] BINARY
#   full     ftp (vsftpd), ssh, smtp+STARTTLS (exim), dns (dnsmasq), http
#            and https (nginx), identd (oidentd), rsync, mysql (mariadb),
#            postgres, redis, memcached;
#   --subset the light services only (nginx, dnsmasq, redis, memcached,
#            oidentd): tests/integration/test_compat_subset.sh runs this in
#            `make test`.
# Both scanners run the same scan, one after the other, inside a private
# namespace with only its own loopback (lib.sh), from the same directory:
#   -n -Pn -sT -sC -p <ports> 127.0.0.1
# Portolan gets --datadir /usr/share/nmap so that -sC selects Nmap's corpus
# (the project's own scripts/ directory has its own script.db).
# normalize.py cuts each normal output into blocks (one per port, and one
# per script result under it; host scripts alike), masks what differs
# between any two runs of the same scanner (times, uptimes, counters, the
# random ports of our own connections), and compares. Differences that are
# understood are listed with their reason in known-differences.txt and
# reported as such; any other difference fails the run (exit 1).
# PT_KEEP_TMP=1 keeps the outputs ($PT_TMP/{nmap,portolan}.txt).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/../integration/lib.sh"
. "$HERE/services.sh"

subset=0
if [ "${1:-}" == "--subset" ]; then
  subset=1
  shift
fi
BIN="${1:-}"
[ -n "$BIN" ] && [ -x "$BIN" ] || {
  echo "usage: $0 [--subset] BINARY" >&2
  exit 2
}
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
PT_TEST_NAME="${PT_TEST_NAME:-compat}"
require_root
require_cmd nmap openssl "$PT_PYTHON"
ns_setup compat

ports=()
up() { # up PORT...: the ports a started service listens on
  local p
  for p in "$@"; do ports+=("$p"); done
}

start_web && up 80 443
start_dns && up 53
start_redis && up 6379
start_memcached && up 11211
start_identd 113 && up 113
if [ "$subset" -eq 0 ]; then
  start_ftp && up 21
  start_sshd 22 && up 22
  start_smtp && up 25
  start_rsync && up 873
  start_mysql && up 3306
  start_postgres && up 5432
fi
# Only the ports that really listen (a skipped service adds none).
list=""
for p in "${ports[@]}"; do
  [ -n "$(ns_exec ss -Hltn "sport = :$p" 2>/dev/null)" ] && list="$list,$p"
done
list="${list#,}"
[ -n "$list" ] || skip_test "no service could be started"
pt_log "services up on tcp ports $list${COMPAT_SKIPPED[*]:+ (skipped: ${COMPAT_SKIPPED[*]})}"

scan() { # scan NAME CMD...: the common scan, normal output to NAME.txt
  local name="$1" t0 t1
  shift
  t0=$(date +%s.%N)
  (cd "$PT_TMP" && ns_exec timeout 600 "$@" -n -Pn -sT -sC -p "$list" \
    -oN "$PT_TMP/$name.txt" 127.0.0.1 >"$PT_TMP/$name.stdout" 2>"$PT_TMP/$name.stderr")
  echo $? >"$PT_TMP/$name.rc"
  t1=$(date +%s.%N)
  pt_log "$name: exit $(cat "$PT_TMP/$name.rc"), $(printf '%.1f' "$(echo "$t1 - $t0" | bc)")s"
}
scan nmap nmap
scan portolan "$BIN" --datadir /usr/share/nmap

[ "$(cat "$PT_TMP/portolan.rc")" -eq 0 ] ||
  fail "portolan exited with $(cat "$PT_TMP/portolan.rc"): $(tail -n 5 "$PT_TMP/portolan.stderr")"
[ "$(cat "$PT_TMP/nmap.rc")" -eq 0 ] ||
  fail "nmap exited with $(cat "$PT_TMP/nmap.rc"): $(tail -n 5 "$PT_TMP/nmap.stderr")"

"$PT_PYTHON" "$HERE/normalize.py" compare --known "$HERE/known-differences.txt" \
  "$PT_TMP/nmap.txt" "$PT_TMP/portolan.txt"
rc=$?
[ -n "${PT_KEEP_TMP:-}" ] && pt_log "outputs kept in $PT_TMP"
exit "$rc"
