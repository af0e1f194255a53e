#!/usr/bin/env bash
# `make run`: a short, self-contained demonstration. Starts real services in
# a private network namespace (an identd, sshd, nginx with www-data workers,
# and listeners owned by different users), scans them with Portolan's default
# scripts, shows the normal report and where the XML, grepable and JSON lines
# outputs went, then stops everything.
#
# Usage: scripts/demo.sh BINARY      (root: network namespaces need it)
# Installs nothing (make ran scripts/install-deps.sh); sends nothing outside
# the namespace, which has only a loopback interface. PORTOLAN_DEMO_OUT
# chooses the output directory (default: a new one under /tmp, kept).
set -euo pipefail

BIN="${1:-}"
SRCDIR="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$BIN" ]; then
  echo "usage: $0 BINARY   (make run passes build/portolan)" >&2
  exit 2
fi
[ -x "$BIN" ] || { echo "demo: $BIN is not an executable (run make first)" >&2; exit 2; }
BIN="$(readlink -f "$BIN")"
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root to create a network namespace (try: sudo make run)" >&2
  exit 2
fi

PT_TEST_NAME=demo
# The integration tests' harness: namespace, services, cleanup on exit.
. "$SRCDIR/tests/integration/lib.sh"
# Skips (missing tool, no namespaces) are failures here, with the reason.
skip_test() {
  printf 'demo: cannot run: %s\n' "$*" >&2
  exit 1
}

OUT="${PORTOLAN_DEMO_OUT:-$(mktemp -d /tmp/portolan-demo.XXXXXX)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

ns_setup demo
echo "== Starting demo services in network namespace $NS (loopback only)"
start_identd 113
start_sshd 22
start_nginx 80 www-data
start_listener 2121 nobody '220 demo FTP service ready\r\n'
start_listener 2525 daemon '220 demo.invalid ESMTP ready\r\n'
start_listener 6000 root
cat <<EOF
   113/tcp  identd (oidentd, root): tells who owns a connection
    22/tcp  OpenSSH sshd, root
    80/tcp  nginx, master root, workers www-data
  2121/tcp  a listener run by nobody
  2525/tcp  a listener run by daemon
  6000/tcp  a listener run by root
   (auth-owners, a default script, asks identd for each port's owner)

EOF

cmd=("$BIN" -n -Pn -sT -sC -p 22,80,113,2121,2525,6000 --datadir "$SRCDIR"
  -oA "$OUT/demo" 127.0.0.1)
echo "== ${cmd[*]}"
echo
cd "$PT_TMP"
status=0
timeout --kill-after=5 300 ip netns exec "$NS" "${cmd[@]}" || status=$?

echo
echo "== Outputs of the same scan"
for ext in nmap xml gnmap jsonl; do
  f="$OUT/demo.$ext"
  if [ -s "$f" ]; then
    printf '   %-40s %6s bytes\n' "$f" "$(wc -c <"$f")"
  else
    printf '   %-40s (missing)\n' "$f"
  fi
done
dtd=/usr/share/nmap/nmap.dtd
if [ -s "$OUT/demo.xml" ] && command -v xmllint >/dev/null 2>&1; then
  if [ -f "$dtd" ] && xmllint --noout --dtdvalid "$dtd" "$OUT/demo.xml" 2>/dev/null; then
    echo "   demo.xml is valid against Nmap's $dtd"
  elif xmllint --noout "$OUT/demo.xml" 2>/dev/null; then
    echo "   demo.xml is well-formed (not checked against nmap.dtd)"
  else
    echo "   demo.xml is NOT well-formed XML"
  fi
fi
if [ -s "$OUT/demo.jsonl" ]; then
  echo "   demo.jsonl: one JSON object a line, e.g. the host record:"
  grep -m1 '"type":"host"' "$OUT/demo.jsonl" | cut -c1-150 | sed 's/^/     /;s/$/ .../'
fi
echo
if [ "$status" -eq 0 ]; then
  echo "== Demo done; services stopped, namespace removed. Outputs kept in $OUT"
else
  echo "== Demo FAILED: the scan exited with status $status (outputs in $OUT)" >&2
fi
exit "$status"
