#!/usr/bin/env bash
# Tests of the harness itself (lib.sh), since every integration test trusts
# it: the services answer as they should (identd names the owner of each
# listener), and cleanup always happens: on a normal exit, on SIGTERM, and
# after a SIGKILL (the next ns_setup reaps the orphan), with skip_test
# exiting 77.
set -euo pipefail
PT_TEST_NAME=test_lib_harness
LIB="$(cd "$(dirname "$0")" && pwd)/lib.sh"
. "$LIB"
require_root
ns_setup harness

# 1. identd names each listener's owner, queried the RFC 1413 way.
start_identd 113
start_listener 2002 nobody
start_listener 2003 pt-owner
start_nginx 8080 www-data
cat >"$PT_TMP/ask.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
svc = socket.create_connection(("127.0.0.1", port), timeout=10)
ident = socket.create_connection(("127.0.0.1", 113), timeout=10)
ident.sendall(b"%d, %d\r\n" % (port, svc.getsockname()[1]))
reply = b""
while not reply.endswith(b"\n"):
    chunk = ident.recv(512)
    if not chunk:
        break
    reply += chunk
print(reply.decode("latin-1").strip())
EOF
for pair in 2002:nobody 2003:pt-owner 8080:www-data; do
  port="${pair%%:*}" user="${pair#*:}"
  reply="$(ns_exec timeout 20 "$PT_PYTHON" "$PT_TMP/ask.py" "$port")" ||
    fail "identd query for $port failed"
  re="^$port *, *[0-9]+ *: *USERID *: *[^:]*: *(.*)$"
  if [[ "$reply" =~ $re ]] && [ "${BASH_REMATCH[1]}" = "$user" ]; then
    pt_log "ok: identd: $reply"
  else
    fail "identd said '$reply' for port $port, expected user $user"
  fi
done

# child MODE OUTFILE: a child test that sets up a namespace with services,
# writes "NS PT_TMP", then exits, waits to be killed, or skips.
child() {
  bash -c '
    set -euo pipefail
    . "$1"
    ns_setup harnessc
    start_listener 2001 nobody
    echo "$NS $PT_TMP" >"$3.tmp" && mv "$3.tmp" "$3"
    case "$2" in
    exit) exit 0 ;;
    skip) skip_test "testing skip_test" ;;
    wait) for i in $(seq 1 600); do sleep 0.1; done; exit 3 ;;
    esac' child "$LIB" "$1" "$2"
}

# wait_file FILE: until the child has written FILE (bounded, 20 s).
wait_file() {
  local i
  for i in $(seq 1 200); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  fail "child never reported its namespace ($1)"
}

# gone NS TMP WHAT: the namespace, its temp dir and its marker are gone.
gone() {
  if ip netns list | awk '{ print $1 }' | grep -qx "$1"; then
    fail "$3: namespace $1 still exists"
  fi
  [ ! -e "$2" ] || fail "$3: temp dir $2 still exists"
  [ ! -e "$PT_NS_MARKS/$1" ] || fail "$3: marker for $1 still exists"
  pt_log "ok: $3: namespace, temp dir and marker removed"
}

# 2. A normal exit cleans up.
child exit "$PT_TMP/c1" || fail "child (exit) failed"
read -r cns ctmp <"$PT_TMP/c1"
gone "$cns" "$ctmp" "normal exit"

# 3. skip_test exits 77, and cleans up too.
rc=0
child skip "$PT_TMP/c2" 2>/dev/null || rc=$?
[ "$rc" -eq 77 ] || fail "skip_test exited $rc, not 77"
read -r cns ctmp <"$PT_TMP/c2"
gone "$cns" "$ctmp" "skip_test"

# 4. SIGTERM cleans up, and the listener's processes die with it.
child wait "$PT_TMP/c3" &
cpid=$!
wait_file "$PT_TMP/c3"
read -r cns ctmp <"$PT_TMP/c3"
[ -n "$(ip netns pids "$cns" 2>/dev/null)" ] || fail "child's listener not running"
# The child is bash -c under our child function's subshell: signal the
# process that owns the namespace (its pid is the name's suffix).
kill -TERM "${cns##*-}"
rc=0
wait "$cpid" || rc=$?
[ "$rc" -eq 143 ] || fail "child exited $rc after SIGTERM, not 143"
gone "$cns" "$ctmp" "SIGTERM"

# 5. After SIGKILL nothing can clean up at once; the next ns_setup reaps
# the orphaned namespace and its processes.
child wait "$PT_TMP/c4" 2>/dev/null &
cpid=$!
wait_file "$PT_TMP/c4"
read -r cns ctmp <"$PT_TMP/c4"
kill -KILL "${cns##*-}"
wait "$cpid" 2>/dev/null || true
ip netns list | awk '{ print $1 }' | grep -qx "$cns" ||
  fail "namespace $cns vanished after SIGKILL: the reaping step is untested"
child exit "$PT_TMP/c5" || fail "child (exit, after a kill) failed"
if ip netns list | awk '{ print $1 }' | grep -qx "$cns"; then
  fail "ns_setup did not reap $cns left by a killed test"
fi
[ ! -e "$PT_NS_MARKS/$cns" ] || fail "marker of reaped $cns remains"
rm -rf "$ctmp"
pt_log "ok: a SIGKILLed test's namespace is reaped by the next ns_setup"

pt_log "PASS"
