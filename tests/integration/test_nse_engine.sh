#!/bin/bash
# The script engine core through the real binary (NSE-NOTES §1, §3, §4, §5,
# §9, §10): output rendering (normal and XML), script errors, scheduling
# (workers, mutex, condvar, nested coroutines, runlevels, new_try), the
# stdnse injection, validation errors, selection and script.db,
# script-args files, --script-timeout, and host/port scripts against a
# listener. Probe scripts live in tests/integration/nse/{out,sched,bad,host}.
#
# Where Nmap is installed, the pre-scan output of every outtest mode is
# also compared with nmap's on the same probe (it needs no network).
# Everything that opens a socket runs inside a private namespace (lib.sh).
set -u
. "$(dirname "$0")/lib.sh"
require_root
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
ns_setup nseeng

N="$PT_SRCDIR/tests/integration/nse"
failures=0
bad() {
  pt_log "FAIL: $*"
  failures=$((failures + 1))
}

# run NAME ARGS...: portolan in the namespace; stdout to $PT_TMP/NAME.out,
# stderr to NAME.err, exit status to NAME.rc.
run() {
  local name="$1"
  shift
  ns_exec timeout 60 "$PORTOLAN" -n "$@" >"$PT_TMP/$name.out" \
    2>"$PT_TMP/$name.err"
  echo $? >"$PT_TMP/$name.rc"
}

# The lines from "Pre-scan script results:" up to the next unrelated line.
prescan() {
  sed -n '/^Pre-scan script results:/,/^[^|P]/p' "$1" | grep -v '^[^|P]'
}

expect_pre() {
  local mode="$1" want="$2"
  run "out-$mode" --script "$N/out/outtest.nse" \
    --script-args "outtest.mode=$mode"
  local got
  got="$(prescan "$PT_TMP/out-$mode.out")"
  [ "$got" == "$want" ] || bad "outtest $mode: got [$got] want [$want]"
}

# 1. Output rendering (§9.1-§9.3).
expect_pre string $'Pre-scan script results:\n|_outtest: single line'
expect_pre lines $'Pre-scan script results:\n| outtest: line one\n|_line two'
expect_pre table $'Pre-scan script results:\n| outtest: \n|   a\n|   b\n|   \n|     c\n|     d\n|     sub: \n|       x: 1\n|_  n: 5'
expect_pre escape $'Pre-scan script results:\n|_outtest: bell\\x07 tab\t cr\\x0D esc\\x1B hi\\xC8'
expect_pre pair $'Pre-scan script results:\n|_outtest: b'
expect_pre number $'Pre-scan script results:\n|_outtest: 42'
expect_pre nil ''
expect_pre try ''
expect_pre yield ''
expect_pre error $'Pre-scan script results:\n|_outtest: ERROR: Script execution failed (use -d to debug)'
expect_pre undeclared $'Pre-scan script results:\n|_outtest: ERROR: Script execution failed (use -d to debug)'

if command -v nmap >/dev/null; then
  for mode in string lines table escape pair false number nil tostring \
    error try yield undeclared; do
    ns_exec timeout 60 nmap -n --script "$N/out/outtest.nse" \
      --script-args "outtest.mode=$mode" >"$PT_TMP/nmap-$mode.out" 2>&1
    run "cmp-$mode" --script "$N/out/outtest.nse" \
      --script-args "outtest.mode=$mode"
    [ "$(prescan "$PT_TMP/nmap-$mode.out")" == \
      "$(prescan "$PT_TMP/cmp-$mode.out")" ] ||
      bad "outtest $mode differs from nmap"
  done
fi

# 2. XML: structured children and the output attribute (§9.4).
run xml-table --script "$N/out/outtest.nse" --script-args outtest.mode=number \
  -oX -
grep -q '<script id="outtest" output="42">42</script>' "$PT_TMP/xml-table.out" ||
  bad "XML of a number result"
run xml-pair --script "$N/out/outtest.nse" --script-args outtest.mode=pair \
  -oX -
grep -q '<script id="outtest" output="b">a</script>' "$PT_TMP/xml-pair.out" ||
  bad "XML of a (string, string) result"

# The whole <prescript> element, byte for byte against nmap's.
prescript_xml() {
  "$PT_PYTHON" -c 'import re,sys
m = re.search(r"<prescript>.*?</prescript>", open(sys.argv[1]).read(), re.S)
print(m.group(0) if m else "")' "$1"
}
if command -v nmap >/dev/null; then
  for mode in table tostring pair false escape lines empty; do
    ns_exec timeout 60 nmap -n --script "$N/out/outtest.nse" \
      --script-args "outtest.mode=$mode" -oX "$PT_TMP/nmap-$mode.xml" \
      >/dev/null 2>&1
    run "xcmp-$mode" --script "$N/out/outtest.nse" \
      --script-args "outtest.mode=$mode" -oX "$PT_TMP/pt-$mode.xml"
    want="$(prescript_xml "$PT_TMP/nmap-$mode.xml")"
    [ -n "$want" ] && [ "$want" == "$(prescript_xml "$PT_TMP/pt-$mode.xml")" ] ||
      bad "outtest $mode XML differs from nmap"
  done
fi

# 3. Errors with -d: traceback, no output (§5.8); new_try reason.
run err-d -d --script "$N/out/outtest.nse" --script-args outtest.mode=error
grep -q '^NSE: outtest threw an error!$' "$PT_TMP/err-d.out" ||
  bad "-d error header"
grep -q 'outtest.nse:29: boom$' "$PT_TMP/err-d.out" || bad "-d error message"
grep -q '^stack traceback:$' "$PT_TMP/err-d.out" || bad "-d traceback"
grep -q '^|_outtest' "$PT_TMP/err-d.out" && bad "-d error still has output"
run try-d -d --script "$N/out/outtest.nse" --script-args outtest.mode=try
grep -q '^NSE: Finished outtest. Reason: tried and failed$' \
  "$PT_TMP/try-d.out" || bad "new_try reason at -d"
run yield-d -d --script "$N/out/outtest.nse" --script-args outtest.mode=yield
grep -q '^NSE: outtest yielded unexpectedly and cannot be resumed.$' \
  "$PT_TMP/yield-d.out" || bad "unexpected yield message"

# 4. Scheduling: workers + FIFO mutex + condvar + nested coroutine sleep,
# runlevels, the injected stdnse functions.
run sync --script "$N/sched/sync.nse"
grep -q '^|_sync: main,w1,w2,w3 42 end$' "$PT_TMP/sync.out" ||
  bad "sync probe: $(grep sync "$PT_TMP/sync.out")"
run condvar --script "$N/sched/condvar.nse"
grep -Eq '^\|_condvar: w3,(w1,w2|w2,w1)$' "$PT_TMP/condvar.out" ||
  bad "condvar probe: $(grep condvar "$PT_TMP/condvar.out")"
run deps --script "$N/sched/depb.nse,$N/sched/depa.nse" -vv
grep -q '^|_depb: b saw seen$' "$PT_TMP/deps.out" || bad "runlevel 2 order"
grep -q '^NSE: Starting runlevel 2 (of 2) scan.$' "$PT_TMP/deps.out" ||
  bad "runlevel message"
run stdnse --script "$N/sched/stdnseprobe.nse" \
  --script-args 'stdnseprobe.a=x,flag'
want=$'| stdnseprobe: \n|   id: stdnseprobe\n|   info: ok\n|   tid: ok\n|   worker: false\n|   hostport: nil,nil\n|   worker_ran: w true stdnseprobe\n|   status: dead worker err\n|   arg: x\n|   flag: 1\n|_  missing: has'
[ "$(grep '^|' "$PT_TMP/stdnse.out")" == "$want" ] ||
  bad "stdnse probe: $(grep '^|' "$PT_TMP/stdnse.out")"

run workerdead --script "$N/sched/workerdead.nse"
grep -q '^|_workerdead: all dead$' "$PT_TMP/workerdead.out" ||
  bad "finished workers must be dead: $(grep workerdead "$PT_TMP/workerdead.out")"

run orphan -d --script "$N/sched/orphan.nse"
grep -q '^NSE: 2 orphans left!$' "$PT_TMP/orphan.out" || bad "orphan message"
grep -q '^|_orphan: left$' "$PT_TMP/orphan.out" || bad "orphan output"

run silent -v --script "$N/sched/silent.nse,$N/sched/depa.nse"
[ "$(cat "$PT_TMP/silent.rc")" == 0 ] || bad "silent_require: exit status"
grep -q "^NSE: Failed to load '$N/sched/silent.nse'.$" "$PT_TMP/silent.out" ||
  bad "silent_require: no -v message"
grep -q '^NSE: Loaded 1 scripts for scanning.$' "$PT_TMP/silent.out" ||
  bad "silent_require: script not skipped"
grep -q '^|_depa: a$' "$PT_TMP/silent.out" || bad "silent_require: others ran"

# 5. Validation errors: fatal, Nmap's text, exit status 1.
expect_fatal() {
  local name="$1" spec="$2" want="$3"
  run "fatal-$name" --script "$spec"
  [ "$(cat "$PT_TMP/fatal-$name.rc")" == 1 ] ||
    bad "$name: exit status $(cat "$PT_TMP/fatal-$name.rc")"
  grep -qF -- "$want" "$PT_TMP/fatal-$name.err" "$PT_TMP/fatal-$name.out" ||
    bad "$name: no '$want' in $(head -c 300 "$PT_TMP/fatal-$name.err")"
  grep -q 'QUITTING!' "$PT_TMP/fatal-$name.err" "$PT_TMP/fatal-$name.out" ||
    bad "$name: no QUITTING!"
}
expect_fatal noaction "$N/bad/noaction.nse" \
  "noaction.nse is missing required field: 'action'"
expect_fatal norule "$N/bad/norule.nse" \
  "norule.nse is missing required function: 'rule'"
expect_fatal badrule "$N/bad/badrule.nse" \
  "badrule.nse: prerule must be a function!"
expect_fatal badcat "$N/bad/badcat.nse" \
  "badcat.nse field 'categories' is of improper type 'string', expected type 'table'"
expect_fatal syntax "$N/bad/syntax.nse" \
  "syntax.nse:3: 'end' expected (to close 'function' at line 1) near <eof>"
expect_fatal cycle "$N/bad/cyca.nse,$N/bad/cycb.nse" \
  'circular dependency in chain `cyca->cycb->cyca`'
expect_fatal nomatch "no-such-script-here" \
  "'no-such-script-here' did not match a category, filename, or directory"
expect_fatal baredir "$N/sched" \
  "directory '$N/sched' found, but will not match without '/'"
mkdir -p "$PT_TMP/dup"
cp "$N/out/outtest.nse" "$PT_TMP/dup/"
expect_fatal dup "$N/out/outtest.nse,$PT_TMP/dup/outtest.nse" \
  "duplicate script ID: 'outtest'"

# 6. Selection through script.db in a data directory of our own.
D="$PT_TMP/data"
mkdir -p "$D/scripts"
cp "$N/sched/depa.nse" "$N/sched/depb.nse" "$N/out/outtest.nse" "$D/scripts/"
printf 'categories = {"vuln", "Intrusive"}\nprerule = function() return true end\naction = function() return "v" end\n' \
  >"$D/scripts/vulnx.nse"
run updatedb --datadir "$D" --script-updatedb
grep -q '^NSE: Script Database updated successfully.$' "$PT_TMP/updatedb.out" ||
  bad "--script-updatedb message"
grep -qx 'Entry { filename = "vulnx.nse", categories = { "intrusive", "vuln", } }' \
  "$D/scripts/script.db" || bad "script.db line: $(cat "$D/scripts/script.db")"
run sel-cat --datadir "$D" --script 'vuln or dep*'
got="$(grep -o '^|_[a-z]*' "$PT_TMP/sel-cat.out" | sort | tr '\n' ' ')"
[ "$got" == "|_depa |_depb |_vulnx " ] || bad "selection 'vuln or dep*': $got"
run sel-not --datadir "$D" --script 'not intrusive and safe' \
  --script-args outtest.mode=number
got="$(grep -o '^|_[a-z]*' "$PT_TMP/sel-not.out" | sort | tr '\n' ' ')"
[ "$got" == "|_depa |_depb |_outtest " ] || bad "selection 'not intrusive and safe': $got"
run sel-dir --script "$D/scripts/" --script-args outtest.mode=number
got="$(grep -c '^|_' "$PT_TMP/sel-dir.out")"
[ "$got" == 4 ] || bad "directory selection ran $got scripts"
run help --datadir "$D" --script-help vulnx
grep -q '^Categories: vuln Intrusive$' "$PT_TMP/help.out" ||
  bad "--script-help: $(head -c 300 "$PT_TMP/help.out")"
run helpxml --datadir "$D" --script-help vulnx -oX "$PT_TMP/help.xml"
grep -q "^<script filename=\"$D/scripts/vulnx.nse\">$" "$PT_TMP/help.xml" &&
  grep -q '^<categories><category>vuln</category><category>Intrusive</category></categories>$' \
    "$PT_TMP/help.xml" || bad "--script-help -oX: $(cat "$PT_TMP/help.xml")"
if command -v xmllint >/dev/null; then
  xmllint --noout "$PT_TMP/help.xml" 2>/dev/null || bad "help XML not well-formed"
fi

# 7. --script-args-file: file first, command line overrides, the quirk "".
printf 'outtest.mode=lines,' >"$PT_TMP/args.txt"
run argsfile --script "$N/out/outtest.nse" --script-args-file "$PT_TMP/args.txt"
grep -q '^|_line two$' "$PT_TMP/argsfile.out" || bad "--script-args-file"
run argsboth --script "$N/out/outtest.nse" \
  --script-args-file "$PT_TMP/args.txt" --script-args outtest.mode=number
grep -q '^|_outtest: 42$' "$PT_TMP/argsboth.out" || bad "CLI args override"
run argsbad --script "$N/out/outtest.nse" --script-args 'a=b=c'
[ "$(cat "$PT_TMP/argsbad.rc")" == 1 ] || bad "bad args exit status"
grep -q 'arguments did not parse!' "$PT_TMP/argsbad.err" "$PT_TMP/argsbad.out" ||
  bad "bad args message"

# 8. --script-timeout stops a CPU loop and reports it (issue #5).
printf 'prerule = function() return true end\naction = function() while true do end end\n' \
  >"$PT_TMP/spin.nse"
start=$(date +%s)
run spin --script "$PT_TMP/spin.nse" --script-timeout 1s
[ $(($(date +%s) - start)) -le 10 ] || bad "--script-timeout took too long"
grep -q '^|_spin: ERROR: Script timed out after 1s$' "$PT_TMP/spin.out" ||
  bad "timeout output: $(grep spin "$PT_TMP/spin.out")"

printf 'prerule = function() return true end\naction = function() nmap.socket.sleep(30) return "woke" end\n' \
  >"$PT_TMP/nap.nse"
start=$(date +%s)
run nap --script "$PT_TMP/nap.nse" --script-timeout 1s
[ $(($(date +%s) - start)) -le 10 ] || bad "--script-timeout on sleep too long"
grep -q '^|_nap: ERROR: Script timed out after 1s$' "$PT_TMP/nap.out" ||
  bad "timeout of a sleeping script: $(grep nap "$PT_TMP/nap.out")"

# --script-mem-limit: the hog fails alone, the others still run.
run memhog --script "$N/sched/memhog.nse,$N/sched/depa.nse" \
  --script-mem-limit 64M
grep -q '^|_memhog: ERROR: Script exceeded its memory limit (64 MiB)$' \
  "$PT_TMP/memhog.out" || bad "memory limit: $(grep memhog "$PT_TMP/memhog.out")"
grep -q '^|_depa: a$' "$PT_TMP/memhog.out" || bad "memory limit hit others"

# 9. Host and port scripts against a listener in the namespace.
start_listener 2001 nobody hello
run hostport -Pn -sT -p 2001,2002 127.0.0.1 \
  --script "$N/host/hostport.nse,$N/host/hostlate.nse"
grep -q '^|_hostport: portrule 2001 open syn-ack table 3.0 integer$' \
  "$PT_TMP/hostport.out" || bad "port script: $(cat "$PT_TMP/hostport.out")"
grep -q '^Host script results:$' "$PT_TMP/hostport.out" ||
  bad "no host script section"
grep -q '^|_hostlate: seen=1 mine=nil$' "$PT_TMP/hostport.out" ||
  bad "host.registry across runlevels / per-instance copies"
grep -q '^|_hostport: hostrule 127.0.0.1 "" ' "$PT_TMP/hostport.out" ||
  bad "hostrule output"

# 10. Forcing with '+' (§3.4): the rule is skipped, the action runs.
run forced -Pn -sT -p 2001 127.0.0.1 --script "+$N/host/forced.nse" -d2
grep -q '^|_forced: forced on 2001$' "$PT_TMP/forced.out" ||
  bad "forced script did not run: $(grep forced "$PT_TMP/forced.out")"
grep -q '^NSE: Script forced.nse was selected by file path and forced to run.$' \
  "$PT_TMP/forced.out" || bad "forced -d2 message"
run unforced -Pn -sT -p 2001 127.0.0.1 --script "$N/host/forced.nse"
grep -q '^|_forced' "$PT_TMP/unforced.out" && bad "unforced script ran"

if [ "$failures" -ne 0 ]; then
  fail "$failures check(s) failed"
fi
pt_log "all checks passed"
