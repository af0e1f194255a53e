#!/bin/bash
# Bad command lines: each must stop with a short, specific error and the
# right exit status, never crash (status >= 128) and never hang (timeout).
# Sends no packets: every case fails before scanning, or is a list scan
# (-sL) with -n, or targets loopback only.
set -u
P=${PORTOLAN:?set PORTOLAN to the portolan binary}
TMP=$(mktemp -d /tmp/pt-clierr.XXXXXX)
# Run inside a fresh network namespace with only loopback: a case that
# unexpectedly resolves a name or sends a probe cannot leave the machine.
NS=pt-clierr-$$
cleanup() {
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$NS" 2>/dev/null; then
  echo "SKIP: needs root and ip netns"
  exit 77
fi
ip netns exec "$NS" ip link set lo up
IN_NS=(ip netns exec "$NS")
fails=0
n=0

fail() {
  local m="$*"
  echo "FAIL: ${m:0:400}"
  fails=$((fails + 1))
}

# run ARGS...: runs portolan with a time limit; sets rc, out, err.
run() {
  timeout 20 "${IN_NS[@]}" "$P" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  rc=$?
  out=$(cat "$TMP/out")
  err=$(cat "$TMP/err")
  n=$((n + 1))
}

# expect_error STATUS REGEX ARGS...: the run exits with STATUS, its stderr
# matches REGEX, and the error is one line (plus Nmap's "QUITTING!" or
# "See the output of ... -h" line).
expect_error() {
  local want=$1 re=$2
  shift 2
  run "$@"
  if [ "$rc" -ge 124 ]; then
    fail "[$*] crashed or hung: status $rc; stderr: $err"
    return
  fi
  [ "$rc" -eq "$want" ] || fail "[$*] status $rc, want $want; stderr: $err"
  grep -Eq -- "$re" "$TMP/err" || fail "[$*] stderr does not match /$re/: $err"
  local lines
  lines=$(grep -cv -e '^$' -e '^QUITTING!$' -e '^See the output of .* -h' \
    -e '^WARNING: ' -e '^NSE: failed to initialize the script engine:$' \
    "$TMP/err")
  [ "$lines" -le 1 ] || fail "[$*] error is $lines lines: $err"
}

# expect_ok REGEX ARGS...: exits 0 and stdout+stderr match REGEX.
expect_ok() {
  local re=$1
  shift
  run "$@"
  [ "$rc" -eq 0 ] || fail "[$*] status $rc, want 0; stderr: $err"
  printf '%s\n%s\n' "$out" "$err" | grep -Eq -- "$re" ||
    fail "[$*] output does not match /$re/: $out $err"
}

# Unknown options and missing arguments: Nmap's wording, our name.
expect_error 1 "^portolan: unrecognized option '--foo'" --foo 127.0.0.1
expect_error 1 "unrecognized option '-Z'" -Z
expect_error 1 "unrecognized option '--bogus-option=3'" --bogus-option=3
expect_error 1 "requires an argument" -p
expect_error 1 "requires an argument" 127.0.0.1 --script
expect_error 1 "requires an argument" -oX
expect_error 1 "requires an argument" -iL
expect_error 1 "See the output of portolan -h" --foo

# Numbers and time specifications.
expect_error 1 "max-retries.*abc" --max-retries abc 127.0.0.1
expect_error 1 "max-retries" --max-retries -3 127.0.0.1
expect_error 1 "max-retries" --max-retries 99999999999999999999999 127.0.0.1
expect_error 1 "Bogus --host-timeout argument.*5x" --host-timeout 5x 127.0.0.1
expect_error 1 "Bogus --host-timeout" --host-timeout -1s 127.0.0.1
expect_error 1 "Bogus --script-timeout" --script-timeout 3y 127.0.0.1
expect_error 1 "Bogus --scan-delay" --scan-delay 1..2 127.0.0.1
expect_error 1 "Bogus --stats-every" --stats-every never 127.0.0.1
expect_error 1 "Unknown timing mode" -T9 127.0.0.1
expect_error 1 "Unknown timing mode" -Tfast 127.0.0.1
expect_error 1 "min-rate must be a positive" --min-rate x 127.0.0.1
expect_error 1 "max-rate must be a positive" --max-rate 0 127.0.0.1
expect_error 1 "min-rate" --min-rate 10 --max-rate 1 127.0.0.1
expect_error 1 "top-ports" --top-ports 0 127.0.0.1
expect_error 1 "hostgroup" --min-hostgroup 0 127.0.0.1
expect_error 1 "version-intensity" --version-intensity 12 127.0.0.1
expect_error 1 "Bogus --shard" --shard 5/4 127.0.0.1
expect_error 1 "Bogus --shard" --shard one/two 127.0.0.1
expect_error 1 "script-mem-limit" --script-mem-limit lots 127.0.0.1
expect_error 1 "Invalid argument to -v" -vq 127.0.0.1
expect_error 1 "Invalid argument to -d" -d42 127.0.0.1

# Scan types and combinations.
expect_error 1 "not supported yet" -sU 127.0.0.1
expect_error 1 "not supported" -sQ 127.0.0.1
expect_error 1 "not supported yet" -O 127.0.0.1
expect_error 1 "list scan" -sL -sT 127.0.0.1
expect_error 1 "-F" -F -p 80 127.0.0.1
expect_error 1 "stdout" -oA - 127.0.0.1

# Port specifications (rejected before anything is sent).
expect_error 1 "65535" -n -p 99999 127.0.0.1
expect_error 1 "65535" -n -p 1-70000 127.0.0.1
expect_error 1 "port spec|illegal|empty" -n -p '' 127.0.0.1
expect_error 1 "port spec|illegal|[Pp]ort" -n -p 80-20-10 127.0.0.1
expect_error 1 "port spec|illegal|[Pp]ort" -n -p 'T:' 127.0.0.1
expect_error 1 "port spec|illegal|[Pp]ort|match" -n -p 'no-such-service-xyz' 127.0.0.1
expect_error 1 "65535|port spec|illegal" -n --exclude-ports 99999 127.0.0.1
# A very long port list of bad tokens must not crash or take long.
long=$(printf '8%.0s,' $(seq 1 5000))x
expect_error 1 "port spec|illegal|[Pp]ort|service" -n -p "$long" 127.0.0.1

# Script selection and arguments: Nmap's engine errors.
expect_error 1 "did not match a category, filename, or directory" \
  -n -Pn --datadir "${PORTOLAN_SRCDIR:-.}" --script no-such-script-xyz 127.0.0.1
expect_error 1 "/nonexistent-args" -n -Pn --script banner \
  --script-args-file /nonexistent-args 127.0.0.1
expect_error 1 "did not match" --script-help no-such-script-xyz

# Files that do not exist or cannot be written.
expect_error 1 "Failed to open input file $TMP/none" -n -iL "$TMP/none"
expect_error 1 "exclude file" -n --excludefile "$TMP/none" 127.0.0.1
expect_error 1 "Failed to open XML output file" -n -sL -oX "$TMP/no/dir/x.xml" 127.0.0.1
expect_error 1 "Failed to open normal output file" -n -sL -oN "$TMP/no/x" 127.0.0.1

# Targets: bad ones are named and skipped; with nothing left, Nmap's
# warning and status 0 (as nmap 7.93).
expect_ok "No targets were specified, so 0 hosts scanned" -n -sL
expect_ok "No targets were specified, so 0 hosts scanned" -n
run -n -sL '1.2.3.4/99x' 'a_b!c' '10.0.0.0/-3'
[ "$rc" -eq 0 ] || fail "all-bad targets: status $rc"
grep -q "No targets were specified" "$TMP/err" ||
  fail "all-bad targets: no warning: $err"

# -iL with garbage lines: good lines still listed, no crash.
printf '127.0.0.1\n%s\n127.0.0.2\n\n#x\n\001\002\003\n' '!!!@@@' >"$TMP/list"
run -n -sL -iL "$TMP/list"
[ "$rc" -eq 0 ] || fail "-iL garbage: status $rc: $err"
grep -q '127\.0\.0\.1' "$TMP/out" || fail "-iL garbage: 127.0.0.1 missing: $out"
grep -q '127\.0\.0\.2' "$TMP/out" || fail "-iL garbage: 127.0.0.2 missing: $out"
# Binary garbage in a target argument.
run -n -sL "$(printf '\001\377\376abc')" 127.0.0.3
[ "$rc" -lt 124 ] || fail "binary target crashed: $rc"

# Huge specs with -sL stream: the first hosts come at once, memory stays
# bounded, and a closed pipe ends the run without a crash.
start=$(date +%s)
timeout 20 "${IN_NS[@]}" "$P" -n -sL 0.0.0.0/0 2>"$TMP/err" | head -3 >"$TMP/out"
rc=${PIPESTATUS[0]}
[ "$rc" -lt 124 ] || fail "-sL 0.0.0.0/0 | head: status $rc"
[ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "-sL 0.0.0.0/0: no output"
[ $(($(date +%s) - start)) -lt 15 ] || fail "-sL 0.0.0.0/0 | head took too long"
n=$((n + 1))

# Help and version.
expect_ok "^Usage: portolan" -h
expect_ok "TARGET SPECIFICATION" --help
expect_ok "^Portolan version [0-9]+\.[0-9]+\.[0-9]+ \( .+ \)$" -V
expect_ok "Compiled with: .*liblua" --version

echo "$n cases, $fails failures"
[ "$fails" -eq 0 ]
