#!/bin/bash
# gzip-encoded HTTP bodies through Nmap's http.lua on our zlib module
# (issue #4): a page, a 1.1 MB body, a truncated stream (decoded as far as
# it goes), data that is not gzip and an empty body, served in a private namespace. Our results must
# name the decoded title, and must equal Nmap's line for line when nmap is
# installed.
set -u
. "$(dirname "$0")/lib.sh"
require_root
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
[ -f /usr/share/nmap/nselib/http.lua ] ||
  skip_test "needs Nmap's nselib (/usr/share/nmap)"
ns_setup httpgzip

port=8080
ns_bg gzip_http "$PT_PYTHON" "$PT_SRCDIR/tests/integration/servers/gzip_http.py" "$port"
wait_port "$port"

script="$PT_SRCDIR/tests/integration/nse/gzip/http-gzip.nse"
# scan NAME BINARY: the script's output lines, without the "| " frame.
scan() {
  ns_exec timeout 60 "$2" -n -sT -Pn -p "$port" --datadir /usr/share/nmap \
    --script "$script" 127.0.0.1 >"$PT_TMP/$1.out" 2>&1 ||
    fail "$1 exited with status $? (see $PT_TMP/$1.out)"
  sed -n 's/^|[_ ] *//p' "$PT_TMP/$1.out" | sed 's/^http-gzip: *//; /^$/d' \
    >"$PT_TMP/$1.res"
}

scan ours "$PORTOLAN"
grep -qx 'title=Gzipped title ok' "$PT_TMP/ours.res" ||
  fail "gzip page not decoded: $(cat "$PT_TMP/ours.res")"
grep -q '^/big status=200 decoded=gzip undecoded= len=1160000 ' "$PT_TMP/ours.res" ||
  fail "1 MiB body not decoded: $(grep '^/big' "$PT_TMP/ours.res")"
# http.lua turns a body it cannot decode into an error response.
grep -q '^/corrupt status=nil decoded= undecoded= len=0 ' "$PT_TMP/ours.res" ||
  fail "corrupt body not refused: $(grep '^/corrupt' "$PT_TMP/ours.res")"
[ "$(wc -l <"$PT_TMP/ours.res")" -eq 6 ] ||
  fail "expected 6 result lines, got: $(cat "$PT_TMP/ours.res")"

if command -v nmap >/dev/null 2>&1; then
  scan nmap nmap
  diff -u "$PT_TMP/nmap.res" "$PT_TMP/ours.res" >&2 ||
    fail "results differ from Nmap's"
fi
pt_log "ok"
