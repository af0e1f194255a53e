#!/bin/bash
# Where Nmap's stdout-only lines go (NSE-NOTES §6 log_write, §10): checked
# against Nmap 7.93 with nse/trace/log_write.nse (a prerule calling
# nmap.log_write on both logs) in a list scan, which sends no packets
# (a portrule's lines were checked by hand and behave the same):
#  - nmap.log_write("stdout") prints "NSE: <s>" on stdout, "stderr" on
#    stderr; neither lands in the -oN, -oX, -oG or -oJ file;
#  - when a report is written to stdout (-oN -, -oX -, -oG -, -oJ -), the
#    stdout-only lines (log_write, the -v/-d NSE lines) are dropped, so the
#    report stays parseable; stderr lines stay.
# PT_STDOUT_VS_NMAP=1 runs the same checks on /usr/bin/nmap too.
set -u
. "$(dirname "$0")/lib.sh"
PT_TEST_NAME=nse_stdout
require_cmd xmllint "$PT_PYTHON"
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
DTD=/usr/share/nmap/nmap.dtd
[ -r "$DTD" ] || skip_test "needs $DTD (nmap-common)"
TMP="$(mktemp -d /tmp/pt-nse-stdout.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
SCRIPT="$PT_SRCDIR/tests/integration/nse/trace/log_write.nse"

# scan PROGRAM NAME [options...]: a list scan of 127.0.0.1 with the probe,
# at -v -d so that the NSE progress lines are on too.
scan() {
  local prog="$1" name="$2" rc
  shift 2
  timeout 60 "$prog" -n -sL -v -d --script "$SCRIPT" "$@" 127.0.0.1 \
    >"$TMP/$name.out" 2>"$TMP/$name.err"
  rc=$?
  [ "$rc" -eq 0 ] ||
    fail "$name: exit status $rc; stderr: $(head -n3 "$TMP/$name.err")"
}

check_program() {
  local prog="$1" tag="$2" f phase
  cd "$TMP" || fail "cd $TMP"
  scan "$prog" "$tag-files" -oN "$tag.nmap" -oX "$tag.xml" -oG "$tag.gnmap"
  for phase in prerule; do
    grep -qx "NSE: to-stdout $phase" "$TMP/$tag-files.out" ||
      fail "$tag: no 'NSE: to-stdout $phase' on stdout"
    grep -qx "NSE: to-stderr $phase" "$TMP/$tag-files.err" ||
      fail "$tag: no 'NSE: to-stderr $phase' on stderr"
    grep -q "logged $phase" "$TMP/$tag.nmap" ||
      fail "$tag: the $phase result is missing from -oN"
  done
  for f in "$tag.nmap" "$tag.xml" "$tag.gnmap"; do
    ! grep -q 'NSE: to-std' "$TMP/$f" || fail "$tag: a log_write line in $f"
  done
  xmllint --noout --dtdvalid "$DTD" "$TMP/$tag.xml" 2>"$TMP/xmllint.err" ||
    fail "$tag: -oX file invalid: $(head -n2 "$TMP/xmllint.err")"

  scan "$prog" "$tag-xml" -oX -
  ! grep -q '^NSE' "$TMP/$tag-xml.out" || fail "$tag: NSE lines in -oX -"
  xmllint --noout --dtdvalid "$DTD" "$TMP/$tag-xml.out" 2>"$TMP/xmllint.err" ||
    fail "$tag: -oX - invalid: $(head -n2 "$TMP/xmllint.err")"
  grep -qx 'NSE: to-stderr prerule' "$TMP/$tag-xml.err" ||
    fail "$tag: -oX -: the stderr line is gone"
  for f in N G; do
    scan "$prog" "$tag-$f" "-o$f" -
    ! grep -q '^NSE' "$TMP/$tag-$f.out" || fail "$tag: NSE lines in -o$f -"
    grep -q 'Nmap done\|Portolan done' "$TMP/$tag-$f.out" ||
      fail "$tag: -o$f - has no report"
  done
}

check_program "$PORTOLAN" portolan
# -oJ is Portolan's own: every stdout line must be JSON.
scan "$PORTOLAN" portolan-J -oJ -
json_lines_ok "$TMP/portolan-J.out" 2>"$TMP/json.err" ||
  fail "-oJ -: not JSON lines: $(tail -n1 "$TMP/json.err")"

if [ "${PT_STDOUT_VS_NMAP:-0}" = 1 ] && command -v nmap >/dev/null; then
  check_program nmap nmap
fi
pt_log "ok"
