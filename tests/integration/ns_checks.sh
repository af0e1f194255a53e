# shellcheck shell=bash
# Set-up shared by the integration tests that check many things in one run
# and count the failures instead of stopping at the first (test_reports.sh,
# test_output_vs_nmap.sh, test_cli_dns.sh). lib.sh is the other harness:
# its fail() exits, so these tests cannot use it without changing what they
# report; this file keeps their own behaviour in one place.
#
# Invariants: the namespace pt-<name>-<pid> has only a loopback interface,
# so nothing the test starts can reach another host; on EXIT, INT and TERM
# the test's background pids and everything in the namespace are killed, the
# namespace deleted and $TMP removed; every wait is bounded.
#
# Usage:  . "$(dirname "$0")/ns_checks.sh"; nsc_setup NAME [TOOL...]
#         ns CMD...; pids+=($!) for background services; fail "what"
#         nsc_wait_tcp PORT...; nsc_result (last line: the exit status).
# Skips with status 77 without root, `ip netns` or one of the TOOLs.

NS=""
TMP=""
pids=()
fails=0

# A failed check: one line, counted; the test goes on.
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

ns() { ip netns exec "$NS" "$@"; }

nsc_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}

# nsc_setup NAME [TOOL...]: $TMP, the namespace $NS with lo up, the trap.
nsc_setup() {
  local name=$1 tool
  shift
  NS=pt-$name-$$
  TMP=$(mktemp -d "/tmp/pt-$name.XXXXXX")
  trap nsc_cleanup EXIT INT TERM
  if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS" 2>/dev/null; then
    echo "SKIP: needs root and ip netns"
    exit 77
  fi
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
  done
  ns ip link set lo up
}

# Waits (at most 5 s each) until every TCP port accepts in the namespace.
nsc_wait_tcp() {
  local port
  for port in "$@"; do
    for _ in $(seq 1 50); do
      ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break
      sleep 0.1
    done
  done
}

# PASS or the count; returns 0 only when no check failed.
nsc_result() {
  [ "$fails" -eq 0 ] && echo "PASS" || echo "$fails failures"
  [ "$fails" -eq 0 ]
}
