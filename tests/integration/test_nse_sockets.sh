#!/bin/bash
# NSE sockets and the nmap module (NSE-NOTES §6, §7) through the real
# binary: prerule probe scripts in tests/integration/nse/sockets/ talk to
# misbehaving servers (servers/sockserv.py: partial lines, split packets,
# delayed close, silence, echo, endless data, UDP echo), to a refused port,
# and to `openssl s_server` with throwaway certificates made here. Every
# probe prints "PROBE <step> <values>" lines, compared with <probe>.expected.
# The expected files were checked against Nmap 7.93 on the same servers;
# they differ from Nmap only where Portolan deliberately does (ownership is
# checked before queuing instead of crashing, the 4 MiB receive_buf cap, a
# readable "Negative timeout" message, dnet not supported yet, bad target
# specs refused at once).
#
# Everything runs inside a private network namespace (lib.sh), so the
# fixed ports below exist only there.
set -u
. "$(dirname "$0")/lib.sh"
require_root
require_cmd openssl "$PT_PYTHON"
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
ns_setup nsesock

PROBES="$PT_SRCDIR/tests/integration/nse/sockets"
P_LINES=7001 P_CHUNKS=7002 P_ECHO=7003 P_SILENT=7004 P_ENDLESS=7005
P_HELLO=7006 P_UDP=7007 P_ECHO6=7008 P_REFUSED=7999 P_SSL=7443

install -m 644 "$PT_LIB_DIR/servers/sockserv.py" "$PT_TMP/"
ns_bg sockserv "$PT_PYTHON" "$PT_TMP/sockserv.py" --close-after 1.5 \
  --lifetime "$PT_SERVICE_LIFETIME" \
  --tcp lines:$P_LINES --tcp chunks:$P_CHUNKS --tcp echo:$P_ECHO \
  --tcp silent:$P_SILENT --tcp endless:$P_ENDLESS --tcp hello:$P_HELLO \
  --tcp6 echo:$P_ECHO6 --udp $P_UDP

C="$PT_TMP/certs"
mkdir -p "$C"
for cn in default sni; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$cn.test" \
    -keyout "$C/$cn.key" -out "$C/$cn.pem" 2>"$PT_TMP/openssl.err" ||
    fail "openssl req: $(head -n1 "$PT_TMP/openssl.err")"
done
openssl x509 -in "$C/default.pem" -outform DER -out "$C/default.der" ||
  fail "openssl x509 -outform DER"
ns_bg s_server openssl s_server -quiet -rev -accept 127.0.0.1:$P_SSL \
  -cert "$C/default.pem" -key "$C/default.key" -servername sni.test \
  -cert2 "$C/sni.pem" -key2 "$C/sni.key"

for p in $P_LINES $P_CHUNKS $P_ECHO $P_SILENT $P_ENDLESS $P_HELLO $P_ECHO6 \
  $P_SSL; do
  wait_port "$p"
done

failures=0
# Lines of the output compared with the expected file: the probes' own,
# and for nmap_ports the port table and script output.
KEEP='^PROBE'
# probe NAME ARGS [extra portolan options...]
probe() {
  local name="$1" args="$2" out
  shift 2
  out="$PT_TMP/$name.out"
  ns_exec timeout 120 "$PORTOLAN" -n "$@" --script "$PROBES/$name.nse" \
    --script-args "$args" >"$out" 2>"$PT_TMP/$name.err"
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    pt_log "$name: exit status $rc; stderr: $(head -n3 "$PT_TMP/$name.err")"
    failures=$((failures + 1))
  fi
  if ! diff -u "$PROBES/$name.expected" <(grep -E "$KEEP" "$out") \
    >"$PT_TMP/$name.diff"; then
    pt_log "$name: output differs from $name.expected:"
    cat "$PT_TMP/$name.diff" >&2
    failures=$((failures + 1))
  fi
}

probe sock_read "lines=$P_LINES,chunks=$P_CHUNKS,hello=$P_HELLO"
probe sock_misc "echo=$P_ECHO,silent=$P_SILENT,refused=$P_REFUSED,udp=$P_UDP,echo6=$P_ECHO6"
probe sock_limits "endless=$P_ENDLESS,silent=$P_SILENT" --max-parallelism 2
probe sock_ssl "ssl=$P_SSL,echo=$P_ECHO,silent=$P_SILENT,der=$C/default.der"
probe nmap_funcs ""

# Pending calls of threads dropped by --script-timeout are cancelled: no
# output after "start", and the run ends soon after the timeout.
start=$(date +%s)
probe sock_kill "silent=$P_SILENT,udp=$P_UDP" --script-timeout 2s \
  --max-parallelism 1
elapsed=$(($(date +%s) - start))
if [ "$elapsed" -gt 15 ]; then
  pt_log "sock_kill: the run took ${elapsed}s after a 2s script timeout"
  failures=$((failures + 1))
fi

# Targets added by a prerule are scanned. (Nmap 7.93 accepts any string
# here and fails later; Portolan parses the spec at once and refuses a bad
# one with 0, "failed to add new targets.".)
probe nmap_targets "" -Pn -sT -p "$P_ECHO"

KEEP='^PROBE|^[0-9]+/tcp|^\||^Service Info'
probe nmap_ports "echo=$P_ECHO,silent=$P_SILENT,refused=$P_REFUSED" \
  -Pn -sT -p "$P_ECHO,$P_SILENT,$P_REFUSED" 127.0.0.1

[ "$failures" -eq 0 ] || fail "$failures probe check(s) failed"
pt_log "ok"
