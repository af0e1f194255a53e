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
# Two more passes (not with --subset; COMPAT_EXTENDED=0 skips them): a much
# larger selection (see EXPR below), and the default scripts by name with
# this tree's nselib in front of Nmap's (--datadir of the source tree).
# PT_KEEP_TMP=1 keeps the outputs ($PT_TMP/{nmap,portolan}-<pass>.txt).
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

scan() { # scan NAME SCRIPT-ARGS -- CMD...: normal output to NAME.txt
  local name="$1" t0 t1
  shift
  local -a sargs=()
  while [ "$1" != "--" ]; do
    sargs+=("$1")
    shift
  done
  shift
  t0=$(date +%s.%N)
  (cd "$PT_TMP" && ns_exec timeout 600 "$@" -n -Pn -sT "${sargs[@]}" -p "$list" \
    -oN "$PT_TMP/$name.txt" 127.0.0.1 >"$PT_TMP/$name.stdout" 2>"$PT_TMP/$name.stderr")
  echo $? >"$PT_TMP/$name.rc"
  t1=$(date +%s.%N)
  pt_log "$name: exit $(cat "$PT_TMP/$name.rc"), $(printf '%.1f' "$(echo "$t1 - $t0" | bc)")s"
  [ "$(cat "$PT_TMP/$name.rc")" -eq 0 ] ||
    fail "$name exited with $(cat "$PT_TMP/$name.rc"): $(tail -n 5 "$PT_TMP/$name.stderr")"
}

# compare_pass PASS DATADIR SCRIPT-ARGS...: both scanners (Portolan with
# --datadir DATADIR), then the comparison.
rc=0
compare_pass() {
  local pass="$1" datadir="$2"
  shift 2
  pt_log "pass $pass: $*"
  scan "nmap-$pass" "$@" -- nmap
  scan "portolan-$pass" "$@" -- "$BIN" --datadir "$datadir"
  "$PT_PYTHON" "$HERE/normalize.py" compare --known "$HERE/known-differences.txt" \
    "$PT_TMP/nmap-$pass.txt" "$PT_TMP/portolan-$pass.txt" || rc=1
}

compare_pass default /usr/share/nmap -sC
# The extended pass (make compat only): every non-intrusive script of the
# safe, discovery, version, vuln and default categories whose rule matches
# (host and post-scan scripts too), plus a list of scripts for these
# services that the expression leaves out (mysql logins, ssh2, smtp, TLS
# probing), so that much more of nselib runs. Never scripts that aim at a
# third host: external and broadcast are excluded, and ftp-bounce (it would
# ask the FTP server to connect to scanme.nmap.org); the namespace has no
# route anywhere in any case.
EXPR="(safe or discovery or version or vuln or default) and not (broadcast \
or external or dos or brute or intrusive) and not ftp-bounce"
EXTENDED="banner,redis-info,memcached-info,rsync-list-modules,ssh2-enum-algos,\
ssh-auth-methods,sshv1,smtp-commands,smtp-open-relay,ssl-enum-ciphers,\
ssl-dh-params,ssl-heartbleed,ssl-ccs-injection,ssl-poodle,tls-ticketbleed,\
tls-nextprotoneg,mysql-info,mysql-empty-password,mysql-users,ftp-syst,\
ftp-anon,http-headers,http-server-header,http-date,http-methods,http-trace,\
http-security-headers,http-errors,http-comments-displayer,dns-nsid"
if [ "$subset" -eq 0 ] && [ "${COMPAT_EXTENDED:-1}" != 0 ]; then
  compare_pass extended /usr/share/nmap --script "$EXPR,$EXTENDED"
  # The default scripts again, with this tree's nselib in front of Nmap's
  # (as an installed Portolan runs them). They are named one by one, since
  # this tree's script.db has only its own scripts, and Nmap gets the same
  # names (selection by name raises the verbosity of a script's output).
  names="$(sed -n 's/^Entry { filename = "\([^"]*\)\.nse".*"default".*/\1/p' \
    /usr/share/nmap/scripts/script.db | tr '\n' ',')"
  compare_pass ournselib "$PT_SRCDIR" --script "${names%,}"
fi
[ -n "${PT_KEEP_TMP:-}" ] && pt_log "outputs kept in $PT_TMP"
exit "$rc"
