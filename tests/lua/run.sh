#!/usr/bin/env bash
# Runs one Lua library test (tests/lua/test_*.lua) on the engine.
#
# Usage: PORTOLAN=<binary> PORTOLAN_SRCDIR=<source tree> run.sh FILE
#
# The test file is an NSE script with a prerule; its action returns
# "PASS <n>" or "FAIL <details>" (see harness.lua). Each file runs twice:
# once plainly and once with test.gc (a full collectgarbage() around every
# case). Loopback services from server.py are started first and their ports
# passed as test.banner_port, test.echo_port, test.silent_port,
# test.tls_port and test.closed_port. Exit status: 0 only if both passes
# print PASS and the binary exits with status 0.
# With PORTOLAN=/usr/bin/nmap the same tests run on Nmap (with our nselib
# first on its path), which is how they were developed.
set -u

die() { echo "run.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: run.sh TEST.lua"
file=$1
[ -f "$file" ] || die "no such test file: $file"
file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${PORTOLAN_SRCDIR:-$(cd "$here/../.." && pwd)}
bin=${PORTOLAN:-}
[ -n "$bin" ] || die "PORTOLAN is not set (path to the portolan binary)"
[ -x "$bin" ] || die "PORTOLAN binary not found or not executable: $bin"
name=$(basename "$file" .lua)

workdir=$(mktemp -d) || die "mktemp failed"
server_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# A throw-away self-signed certificate for the TLS service.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
  -keyout "$workdir/key.pem" -out "$workdir/cert.pem" >/dev/null 2>&1 ||
  die "openssl could not make a test certificate"
mkfifo "$workdir/ports" || die "mkfifo failed"
python3 "$here/server.py" 600 "$workdir/cert.pem" "$workdir/key.pem" \
  >"$workdir/ports" &
server_pid=$!
ports=
read -r -t 20 ports <"$workdir/ports" || die "test server did not start"
args=$(echo "$ports" | sed -E 's/([a-z]+)=([0-9]+)/test.\1_port=\2/g; s/ /,/g')

# A test with a portrule also runs against the banner service, so that it
# sees real host and port tables: then it must report twice (pre-scan and
# port), and every report must be a PASS.
target=()
want=1
if grep -q '^portrule' "$file"; then
  bport=$(echo "$ports" | sed -nE 's/.*banner=([0-9]+).*/\1/p')
  target=(-sT -Pn -p "$bport" 127.0.0.1)
  want=2
fi

status=0
for pass in plain gc; do
  extra=
  [ "$pass" = gc ] && extra=",test.gc"
  out="$workdir/out.$pass"
  timeout 120 "$bin" -n --datadir "$srcdir" --script "$file" \
    --script-args "$args$extra" "${target[@]}" >"$out" 2>"$out.err"
  rc=$?
  results=$(grep -E "^\|_? ?$name: " "$out" | sed "s/^[^:]*: //")
  got=0
  [ -z "$results" ] || got=$(printf '%s\n' "$results" | wc -l)
  bad=$(printf '%s\n' "$results" | grep -v '^PASS ' | head -n 3)
  # A sanitizer report or a crash after the results still fails the test.
  if [ "$rc" -eq 0 ] && [ "$got" -eq "$want" ] && [ -z "$bad" ]; then
    echo "$name ($pass): $(printf '%s\n' "$results" | tr '\n' ' ')"
  else
    status=1
    echo "$name ($pass): $got of $want results (exit $rc) ${bad}" >&2
    if [ -z "$bad" ] || [ "$rc" -ne 0 ]; then
      sed -n 1,40p "$out" "$out.err" >&2
    fi
  fi
done
exit $status
