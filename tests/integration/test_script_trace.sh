#!/bin/bash
# --script-trace for NSE sockets (NSE-NOTES §10.1): a prerule probe
# (nse/trace/trace_probe.nse) drives every socket action against
# servers/sockserv.py (echo, hello-then-close, UDP echo), a refused port, a
# port whose SYNs an nft rule drops (connect timeout) and
# `openssl s_server -rev`; the trace lines, with local ephemeral ports
# replaced by LPORT, must equal nse/trace/trace_probe.expected. That file
# is Nmap 7.93's output on the same servers: PT_TRACE_VS_NMAP=1 checks
# /usr/bin/nmap against it too. --packet-trace turns the same lines on;
# without either option, or with a report on stdout (-oX -), there are
# none.
#
# Everything runs inside a private network namespace (lib.sh), so the
# fixed ports below exist only there.
set -u
. "$(dirname "$0")/lib.sh"
require_root
require_cmd openssl nft "$PT_PYTHON"
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
ns_setup nsetrace

DIR="$PT_SRCDIR/tests/integration/nse/trace"
P_ECHO=7003 P_HELLO=7006 P_UDP=7007 P_ECHO6=7008 P_REFUSED=7999 P_DROPPED=7998 P_SSL=7443

install -m 644 "$PT_LIB_DIR/servers/sockserv.py" "$PT_TMP/"
ns_bg sockserv "$PT_PYTHON" "$PT_TMP/sockserv.py" --close-after 1.5 \
  --lifetime "$PT_SERVICE_LIFETIME" \
  --tcp echo:$P_ECHO --tcp hello:$P_HELLO --tcp6 echo:$P_ECHO6 --udp $P_UDP
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=trace.test" \
  -keyout "$PT_TMP/key.pem" -out "$PT_TMP/cert.pem" 2>"$PT_TMP/openssl.err" ||
  fail "openssl req: $(head -n1 "$PT_TMP/openssl.err")"
ns_bg s_server openssl s_server -quiet -rev -accept 127.0.0.1:$P_SSL \
  -cert "$PT_TMP/cert.pem" -key "$PT_TMP/key.pem"
wait_port "$P_ECHO6" 10 ::1
for p in $P_ECHO $P_HELLO $P_SSL; do
  wait_port "$p"
done

ARGS="echo=$P_ECHO,hello=$P_HELLO,udp=$P_UDP,echo6=$P_ECHO6"
ARGS="$ARGS,refused=$P_REFUSED,dropped=$P_DROPPED,ssl=$P_SSL"

ns_exec nft -f - <<NFT || fail "nft: cannot install the drop rule"
table inet pt_trace {
  chain input {
    type filter hook input priority 0;
    tcp dport $P_DROPPED drop
  }
}
NFT

# The lines from the first trace line to the probe's result (with the hex
# dump rows and blank lines that follow data lines), local ports
# normalised; 0.0.0.0:0 (an unsent UDP socket) stays.
trace_lines() {
  sed -n -E '/^NSE: (TCP|UDP) /,/^\|_trace_probe/p' "$1" |
    sed -E 's/^(NSE: (TCP|UDP) [0-9a-f.:]+):[1-9][0-9]* /\1:LPORT /'
}

# run NAME PROGRAM [options...]: the probe with PROGRAM, output to NAME.out.
run() {
  local name="$1" prog="$2" rc
  shift 2
  ns_exec timeout 60 "$prog" -n "$@" --script "$DIR/trace_probe.nse" \
    --script-args "$ARGS" >"$PT_TMP/$name.out" 2>"$PT_TMP/$name.err"
  rc=$?
  [ "$rc" -eq 0 ] ||
    fail "$name: exit status $rc; stderr: $(head -n3 "$PT_TMP/$name.err")"
}

check() {
  local name="$1"
  trace_lines "$PT_TMP/$name.out" >"$PT_TMP/$name.trace"
  diff -u "$DIR/trace_probe.expected" "$PT_TMP/$name.trace" \
    >"$PT_TMP/$name.diff" || {
    cat "$PT_TMP/$name.diff" >&2
    fail "$name: trace lines differ from trace_probe.expected"
  }
}

run script_trace "$PORTOLAN" --script-trace
check script_trace

# Each connection keeps one local port in all its lines: as many local
# ports to the echo server as connects to it.
to_echo() {
  grep -E "^NSE: TCP [0-9.]+:[0-9]+ . 127.0.0.1:$P_ECHO " \
    "$PT_TMP/script_trace.out"
}
ports=$(to_echo | sed -E 's/^NSE: TCP [0-9.]+:([0-9]+) .*/\1/' | sort -u |
  wc -l)
connects=$(to_echo | grep -c '| CONNECT$')
[ "$ports" -eq "$connects" ] ||
  fail "$connects connects to the echo server show $ports local ports"

run packet_trace "$PORTOLAN" --packet-trace
grep -q '^NSE: TCP [0-9.:]* > 127.0.0.1:7003 | CONNECT$' \
  "$PT_TMP/packet_trace.out" || fail "--packet-trace: no CONNECT line"

run no_trace "$PORTOLAN"
! grep -qE '^NSE: (TCP|UDP) ' "$PT_TMP/no_trace.out" ||
  fail "trace lines without --script-trace"
grep -q '^|_trace_probe: done' "$PT_TMP/no_trace.out" ||
  fail "no_trace: the probe did not finish"

# A report on stdout drops the trace lines (Nmap does; log.h).
ns_exec timeout 60 "$PORTOLAN" -n --script-trace --script "$DIR/trace_probe.nse" \
  --script-args "$ARGS" -oX - >"$PT_TMP/xml.out" 2>"$PT_TMP/xml.err" ||
  fail "-oX -: exit status $?; stderr: $(head -n3 "$PT_TMP/xml.err")"
! grep -qE '^NSE: ' "$PT_TMP/xml.out" || fail "-oX -: trace lines on stdout"
grep -q 'id="trace_probe" output="done"' "$PT_TMP/xml.out" ||
  fail "-oX -: the probe did not finish"
if command -v xmllint >/dev/null && [ -r /usr/share/nmap/nmap.dtd ]; then
  xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$PT_TMP/xml.out" \
    2>"$PT_TMP/xmllint.err" ||
    fail "-oX -: invalid XML: $(head -n2 "$PT_TMP/xmllint.err")"
fi

if [ "${PT_TRACE_VS_NMAP:-0}" = 1 ] && command -v nmap >/dev/null; then
  run nmap nmap --script-trace
  grep -v '^NSOCK ' "$PT_TMP/nmap.out" >"$PT_TMP/nmap.clean"
  mv "$PT_TMP/nmap.clean" "$PT_TMP/nmap.out"
  check nmap
fi
pt_log "ok"
