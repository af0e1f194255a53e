#!/bin/bash
# Name resolution in the pipeline: target names, reverse names (-sL without
# -n), --dns-servers, names that do not resolve (warned and skipped), -n.
# A dnsmasq inside a throwaway namespace is the only DNS server used.
set -u
P=${PORTOLAN:?set PORTOLAN to the portolan binary}
# shellcheck source=tests/integration/ns_checks.sh
. "$(dirname "$0")/ns_checks.sh"
nsc_setup clidns dnsmasq
ns dnsmasq --no-daemon --no-resolv --no-hosts --port 5353 \
  --listen-address 127.0.0.1 --bind-interfaces \
  --address=/example.test/127.0.0.7 \
  --address=/multi.test/127.0.0.5 --address=/multi.test/127.0.0.6 \
  --ptr-record=7.0.0.127.in-addr.arpa,seven.example.test \
  --ptr-record=8.0.0.127.in-addr.arpa,eight.example.test \
  >"$TMP/dnsmasq.log" 2>&1 &
for _ in $(seq 1 50); do
  ns bash -c 'exec 3<>/dev/udp/127.0.0.1/5353' 2>/dev/null && break
  sleep 0.1
done
sleep 0.3

run() {
  timeout 20 ip netns exec "$NS" "$P" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
}

# Forward and reverse through --dns-servers.
run --dns-servers 127.0.0.1:5353 -sL www.example.test 127.0.0.8 \
  no-such-name.invalid-tld
[ "$rc" -eq 0 ] || fail "status $rc: $(cat "$TMP/err")"
grep -q "www.example.test (127.0.0.7)" "$TMP/out" ||
  fail "forward name not reported: $(cat "$TMP/out")"
grep -q "eight.example.test (127.0.0.8)" "$TMP/out" ||
  fail "reverse name not reported: $(cat "$TMP/out")"
grep -q 'Failed to resolve "no-such-name.invalid-tld"' "$TMP/err" ||
  fail "unresolvable name not warned about: $(cat "$TMP/err")"
grep -q "3 IP addresses\|2 IP addresses" "$TMP/out" ||
  fail "host count: $(cat "$TMP/out")"

# -n: no reverse lookups, but target names still resolve.
run -n --dns-servers 127.0.0.1:5353 -sL www.example.test 127.0.0.8
[ "$rc" -eq 0 ] || fail "-n: status $rc"
grep -q "eight.example.test" "$TMP/out" && fail "-n still did a reverse lookup"
grep -q "127.0.0.7" "$TMP/out" || fail "-n: target name not resolved"

# Only unresolvable names: Nmap's warning, status 0.
run --dns-servers 127.0.0.1:5353 -sL nothing.invalid-tld
[ "$rc" -eq 0 ] || fail "all names bad: status $rc"
grep -q "No targets were specified" "$TMP/err" ||
  fail "all names bad: no warning: $(cat "$TMP/err")"

# A name with two addresses: one is scanned, the other is reported.
run -n --dns-servers 127.0.0.1:5353 -Pn -p 80 multi.test
[ "$rc" -eq 0 ] || fail "multi.test: status $rc"
grep -Eq "multi.test \(127.0.0.[56]\)" "$TMP/out" || fail "multi.test: $(cat "$TMP/out")"
grep -Eq "Other addresses for multi.test \(not scanned\): 127.0.0.[56]" \
  "$TMP/out" || fail "multi.test: other address not reported: $(cat "$TMP/out")"

# A bad server list stops the run.
run --dns-servers 'not a server!' -sL 127.0.0.1
[ "$rc" -eq 1 ] || fail "bad --dns-servers: status $rc"
grep -q "dns-servers" "$TMP/err" || fail "bad --dns-servers: $(cat "$TMP/err")"

nsc_result
