# shellcheck shell=bash
# Shared harness for tests/integration/test_*.sh (and scripts/demo.sh):
# a private network namespace per test, real services started inside it, and
# cleanup that always runs.
#
# Invariants (the project's network-safety rule):
# - every service and every scan runs inside the namespace made by ns_setup,
#   named pt-<test>-<pid>, which has only a loopback interface, so no packet
#   can leave it; nothing listens on a host port;
# - everything started in the namespace is killed, and the namespace deleted,
#   on EXIT, INT and TERM; every service also runs under `timeout`, so even a
#   SIGKILLed test leaves nothing running for long, and the next ns_setup
#   removes namespaces whose owning test process has died;
# - every wait is bounded in count and time.
#
# Usage:  . "$(dirname "$0")/lib.sh"; require_root; ns_setup mytest
#         start_identd; start_listener 2001 nobody; ns_exec nmap -n ...
# Exit code 77 means "skipped" (tests/CMakeLists.txt: SKIP_RETURN_CODE 77).
# Functions: require_root, require_cmd, skip_test, fail, pt_log; ns_setup,
# ns_exec, ns_bg, wait_port, ns_cleanup (automatic); json_lines_ok; ensure_user;
# start_listener PORT USER [BANNER [ADDR]], start_identd [PORT [ADDR]],
# start_sshd PORT, start_nginx PORT [USER]. Services listen on 127.0.0.1 (or
# ADDR) in the namespace; their logs are $PT_TMP/<name>.log (PT_KEEP_TMP=1
# keeps $PT_TMP).

PT_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PT_SRCDIR="${PORTOLAN_SRCDIR:-$(cd "$PT_LIB_DIR/../.." && pwd)}"
# Upper bound on any service's life, seconds (CTest's own timeout is 600).
PT_SERVICE_LIFETIME="${PT_SERVICE_LIFETIME:-900}"
# Debian's python, not a per-user shim: services run as other users.
PT_PYTHON="${PT_PYTHON:-/usr/bin/python3}"
NS=""
PT_TMP=""
PT_CLEANED=0
PT_BG_PIDS=()

pt_log() { printf '%s: %s\n' "${PT_TEST_NAME:-integration}" "$*" >&2; }

# A failed check: one clear line, then exit 1 (the EXIT trap cleans up).
fail() {
  printf '%s: FAIL: %s\n' "${PT_TEST_NAME:-integration}" "$*" >&2
  exit 1
}

skip_test() {
  printf '%s: SKIP: %s\n' "${PT_TEST_NAME:-integration}" "$*" >&2
  exit 77
}

require_root() {
  [ "$(id -u)" -eq 0 ] || skip_test "needs root (network namespaces)"
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip_test "needs '$c' (scripts/install-deps.sh)"
  done
}

# Remove namespaces left by earlier runs whose test process is gone (a test
# killed with SIGKILL cannot run its trap). Only namespaces that ns_setup
# made and marked, never another tool's.
PT_NS_MARKS=/run/portolan-tests/netns
ns_reap_stale() {
  local mark name pid p
  for mark in "$PT_NS_MARKS"/pt-*; do
    [ -e "$mark" ] || continue
    name="${mark##*/}"
    pid="${name##*-}"
    case "$pid" in '' | *[!0-9]*) continue ;; esac
    kill -0 "$pid" 2>/dev/null && continue
    for p in $(ip netns pids "$name" 2>/dev/null); do
      kill -KILL "$p" 2>/dev/null || true
    done
    ip netns del "$name" 2>/dev/null || true
    rm -f "$mark"
  done
}

# ns_setup TESTNAME: make the namespace and the temp dir, install the traps.
ns_setup() {
  PT_TEST_NAME="${PT_TEST_NAME:-$1}"
  require_cmd ip ss timeout runuser
  ns_reap_stale
  NS="pt-$1-$$"
  PT_TMP="$(mktemp -d "/tmp/pt-$1.XXXXXX")"
  # Services run as other users and read their helpers from here.
  chmod 755 "$PT_TMP"
  trap ns_cleanup EXIT
  trap 'ns_cleanup; exit 130' INT
  trap 'ns_cleanup; exit 143' TERM
  if ! ip netns add "$NS" 2>"$PT_TMP/netns.err"; then
    NS=""
    skip_test "cannot create a network namespace: $(head -n1 "$PT_TMP/netns.err")"
  fi
  mkdir -p "$PT_NS_MARKS" && : >"$PT_NS_MARKS/$NS"
  ip -n "$NS" link set lo up || fail "cannot bring up lo in $NS"
}

# Kill what runs in the namespace (all of it was started by this test),
# politely first, then for good; delete it and the temp dir. Idempotent.
ns_cleanup() {
  [ "$PT_CLEANED" -eq 0 ] || return 0
  PT_CLEANED=1
  local pids i
  if [ -n "$NS" ]; then
    pids="$(ip netns pids "$NS" 2>/dev/null || true)"
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill -TERM $pids 2>/dev/null || true
      for i in $(seq 1 30); do
        pids="$(ip netns pids "$NS" 2>/dev/null || true)"
        [ -z "$pids" ] && break
        sleep 0.1
      done
      # shellcheck disable=SC2086
      [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
    rm -f "$PT_NS_MARKS/$NS"
  fi
  # Reap our background `ip netns exec` wrappers (only those: a test's other
  # background jobs are its own business).
  for i in "${PT_BG_PIDS[@]}"; do
    wait "$i" 2>/dev/null || true
  done
  if [ -n "$PT_TMP" ] && [ -d "$PT_TMP" ] && [ -z "${PT_KEEP_TMP:-}" ]; then
    rm -rf "$PT_TMP"
  fi
}

ns_exec() { ip netns exec "$NS" "$@"; }

# ns_bg LOGNAME CMD...: start CMD in the namespace in the background, bounded
# by PT_SERVICE_LIFETIME; its output goes to $PT_TMP/LOGNAME.log.
ns_bg() {
  local logname="$1"
  shift
  ip netns exec "$NS" timeout --kill-after=5 "$PT_SERVICE_LIFETIME" "$@" \
    >"$PT_TMP/$logname.log" 2>&1 </dev/null &
  PT_BG_PIDS+=("$!")
}

# json_lines_ok FILE: true when FILE has at least one line and every line is
# one JSON value (-oJ); the parser's complaint goes to stderr.
json_lines_ok() {
  "$PT_PYTHON" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    json.loads(line)
    n += 1
assert n > 0, "no lines"
' "$1"
}

# wait_port PORT [SECONDS [ADDR]]: until something listens on TCP PORT (on
# ADDR, if given) in the namespace; fails the test on timeout.
wait_port() {
  local port="$1" secs="${2:-10}" addr="${3:-}" i want out
  want=":$port"
  case "$addr" in
  '') ;;
  *:*) want="[$addr]:$port" ;;
  *) want="$addr:$port" ;;
  esac
  for i in $(seq 1 $((secs * 10))); do
    # Captured first: grep -q on a pipe could SIGPIPE ss under pipefail.
    out="$(ns_exec ss -Hltn "sport = :$port" 2>/dev/null || true)"
    case "$out" in *"$want "*) return 0 ;; esac
    sleep 0.1
  done
  fail "nothing listens on tcp ${addr:-*}:$port after ${secs}s (logs in $PT_TMP)"
}

# ensure_user NAME: a system user with no home and no shell, made once.
ensure_user() {
  id -u "$1" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --shell /usr/sbin/nologin "$1" 2>/dev/null ||
    id -u "$1" >/dev/null 2>&1 || fail "cannot create user $1"
}

# start_listener PORT USER [BANNER [ADDR]]: a TCP listener on ADDR:PORT
# (127.0.0.1, or e.g. ::1) owned by USER that holds connections open (so
# identd can see them).
start_listener() {
  local port="$1" user="$2" banner="${3:-}" addr="${4:-127.0.0.1}"
  require_cmd "$PT_PYTHON"
  ensure_user "$user"
  [ -f "$PT_TMP/hold_listener.py" ] ||
    install -m 644 "$PT_LIB_DIR/servers/hold_listener.py" "$PT_TMP/"
  ns_bg "listener-$port" runuser -u "$user" -- "$PT_PYTHON" \
    "$PT_TMP/hold_listener.py" --addr "$addr" --port "$port" --banner "$banner" \
    --lifetime "$PT_SERVICE_LIFETIME"
  wait_port "$port" 10 "$addr"
}

# start_identd [PORT [ADDR]]: Debian's oidentd on 127.0.0.1 (or ADDR, e.g.
# ::1), as root, with a config of our own that answers for every user's
# connections (no hiding, no spoofing: the real owner). It runs in inetd
# mode (--stdio) behind socat, one process per query, each after a short
# pause, because its daemon mode answers wrongly under concurrency: the
# forked children share one netlink socket and read each other's replies,
# and the /proc fallback takes a connection that a root-owned service has
# not accept()ed yet for a dead one (uid 0, inode 0). The pause lets the
# service accept first: scripts query identd right after connecting, for
# several ports at once. socat's backlog is raised from its default of 5,
# which such a burst overflows (SYN retransmits, then lost answers).
start_identd() {
  local port="${1:-113}" addr="${2:-127.0.0.1}" listen log=identd
  require_cmd oidentd socat
  listen="TCP-LISTEN:$port,bind=$addr"
  case "$addr" in *:*)
    listen="TCP6-LISTEN:$port,bind=[$addr]"
    log=identd6
    ;;
  esac
  cat >"$PT_TMP/oidentd.conf" <<'EOF'
default {
	default {
		deny spoof
		deny spoof_all
		deny spoof_privport
		deny random
		deny random_numeric
		deny numeric
		deny hide
		deny forward
	}
}
EOF
  cat >"$PT_TMP/$log-query.sh" <<EOF
#!/bin/sh
sleep "${PT_IDENTD_DELAY:-0.15}"
exec oidentd --stdio --nosyslog --user root --group root \\
  --config "$PT_TMP/oidentd.conf"
EOF
  chmod 755 "$PT_TMP/$log-query.sh"
  ns_bg "$log" socat "$listen,reuseaddr,fork,backlog=128,max-children=64" \
    "EXEC:$PT_TMP/$log-query.sh,nofork"
  wait_port "$port" 10 "$addr"
}

# start_sshd PORT: OpenSSH's sshd in the foreground (-D), logging to stderr,
# with a fresh ed25519 host key and config in the temp dir; no PAM, no
# password logins (scripts only read its banner, algorithms and host key).
start_sshd() {
  local port="$1" d sshd
  sshd="$(command -v sshd || echo /usr/sbin/sshd)"
  [ -x "$sshd" ] || skip_test "needs sshd (openssh-server)"
  require_cmd ssh-keygen
  d="$PT_TMP/sshd"
  mkdir -p "$d"
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" ||
    fail "ssh-keygen failed"
  cat >"$d/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $d/host_ed25519
PidFile $d/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
EOF
  # sshd insists on its privilege-separation directory (Debian's path).
  mkdir -p /run/sshd
  ns_bg sshd "$sshd" -D -e -f "$d/sshd_config"
  wait_port "$port"
}

# start_nginx PORT [USER]: nginx with a temp prefix (config, pid, logs, temp
# paths, docroot), `daemon off`, workers running as USER (www-data).
start_nginx() {
  local port="$1" user="${2:-www-data}" d
  require_cmd nginx
  ensure_user "$user"
  d="$PT_TMP/nginx"
  mkdir -p "$d/www" "$d/tmp" "$d/logs"
  chmod 755 "$d" "$d/www"
  printf '<html><head><title>Portolan test page</title></head><body>ok</body></html>\n' \
    >"$d/www/index.html"
  chmod 644 "$d/www/index.html"
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user $user;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 128; }
http {
  access_log $d/logs/access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $d/www;
  }
}
EOF
  ns_bg nginx nginx -e "$d/logs/error.log" -p "$d" -c "$d/nginx.conf"
  wait_port "$port"
}

