#!/bin/bash
# List scans (-sL -n: no packets, no DNS) through the whole pipeline:
# shards cover the targets exactly once, exclusions apply, -iL - reads
# standard input, and a big range streams in bounded memory.
set -u
P=${PORTOLAN:?set PORTOLAN to the portolan binary}
TMP=$(mktemp -d /tmp/pt-clilist.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}
# Addresses listed in a grepable report on stdout.
hosts() {
  timeout 60 "$P" -n -sL -oG - "$@" 2>"$TMP/err" | awk '/^Host: /{print $2}'
}

full=$(hosts 127.0.0.0/26 127.0.1-3.5 | sort)
[ "$(echo "$full" | wc -l)" -eq 67 ] || fail "full list: $(echo "$full" | wc -l) hosts, want 67"
: >"$TMP/union"
for i in 1 2 3; do
  hosts --shard "$i/3" 127.0.0.0/26 127.0.1-3.5 >>"$TMP/union"
done
sort "$TMP/union" >"$TMP/union.sorted"
[ "$(echo "$full")" = "$(cat "$TMP/union.sorted")" ] ||
  fail "shards 1..3/3 do not cover the list exactly once"
[ "$(sort -u "$TMP/union" | wc -l)" -eq "$(wc -l <"$TMP/union")" ] ||
  fail "a host appears in two shards"

got=$(hosts --exclude 127.0.0.1,127.0.0.8-15 127.0.0.0/28 | tr '\n' ' ')
[ "$got" = "127.0.0.0 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 " ] ||
  fail "--exclude: got $got"

printf '127.0.0.1\n127.0.0.9\n' >"$TMP/ex"
got=$(printf '127.0.0.1 127.0.0.2\n127.0.0.9\n' | hosts -iL - --excludefile "$TMP/ex" | tr '\n' ' ')
[ "$got" = "127.0.0.2 " ] || fail "-iL - with --excludefile: got $got"

# --randomize-hosts: the same hosts, in another order.
plain=$(hosts 127.0.0.0/24 127.0.1.0/24)
shuffled=$(hosts --randomize-hosts 127.0.0.0/24 127.0.1.0/24)
[ "$(echo "$plain" | sort)" = "$(echo "$shuffled" | sort)" ] ||
  fail "--randomize-hosts changed the set of hosts"
[ "$plain" != "$shuffled" ] || fail "--randomize-hosts kept the order"

# 2^20 addresses stream through in bounded memory.
if [ -x /usr/bin/time ]; then
  # (A small ASan quarantine, in case this is a sanitizer build.)
  ASAN_OPTIONS=${ASAN_OPTIONS:-}:quarantine_size_mb=1 \
    /usr/bin/time -f "%M" -o "$TMP/rss" timeout 120 "$P" -n -sL 10.0.0.0/12 \
    -oN /dev/null >/dev/null 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || fail "-sL 10.0.0.0/12: status $rc"
  rss=$(tail -1 "$TMP/rss")
  [ "$rss" -lt 65536 ] || fail "-sL 10.0.0.0/12 used $rss KB"
fi

[ "$fails" -eq 0 ] && echo PASS
[ "$fails" -eq 0 ]
