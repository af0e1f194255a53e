#!/bin/bash
# The light part of `make compat` in `make test` (issue #4): Nmap's default
# scripts (-sC -sT -n -Pn) over nginx (http, https), dnsmasq, redis,
# memcached and oidentd in a private namespace, Portolan's normalized output
# against Nmap's, block by block (tests/compat/run.sh --subset).
# First, the comparison itself must be able to fail: a copy of a reference
# output with one script line changed, one script block removed and one
# port line changed is compared with the original and must give three
# unexplained differences.
set -u
. "$(dirname "$0")/lib.sh"
PT_TEST_NAME=compat_subset
require_root
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
command -v nmap >/dev/null 2>&1 || skip_test "needs nmap (the reference)"
[ -x "$PT_PYTHON" ] || skip_test "needs $PT_PYTHON"
C="$PT_SRCDIR/tests/compat"

TMP="$(mktemp -d /tmp/pt-compatsub.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/ref.txt" <<'EOF'
# Nmap 7.93 scan initiated Sun Nov 29 03:08:58 2026 as: nmap -n -sC x
Nmap scan report for 127.0.0.1
Host is up (0.00020s latency).

PORT      STATE SERVICE
80/tcp    open  http
|_auth-owners: www-data
| http-robots.txt: 2 disallowed entries 
|_/private/ /tmp/
|_http-title: Portolan compat page
| http-vuln-cve2011-3192: 
|   VULNERABLE:
|     IDs:  CVE:CVE-2011-3192  BID:49303
|     References:
|       https://www.securityfocus.com/bid/49303
|_      https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2011-3192
3306/tcp  open  mysql
| mysql-info: 
|   Thread ID: 5
|   Some Capabilities: SupportsTransactions, Support41Auth, LongColumnFlag
|_  Salt: 5#PJb0e.S:eny7B&6|2!

# Nmap done at Sun Nov 29 03:09:27 2026 -- 1 IP address (1 host up) scanned in 29.52 seconds
EOF
# Equal after masking: other order, thread id, salt, capability order,
# vulns IDs and References order (pairs() order in nselib).
cat >"$TMP/same.txt" <<'EOF'
# Portolan 0.1.0 scan initiated Sun Nov 29 03:09:58 2026 as: portolan x
Nmap scan report for 127.0.0.1
Host is up (0.00028s latency).

PORT      STATE SERVICE
80/tcp    open  http
|_http-title: Portolan compat page
| http-robots.txt: 2 disallowed entries 
|_/private/ /tmp/
| http-vuln-cve2011-3192: 
|   VULNERABLE:
|     IDs:  BID:49303  CVE:CVE-2011-3192
|     References:
|       https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2011-3192
|_      https://www.securityfocus.com/bid/49303
|_auth-owners: www-data
3306/tcp  open  mysql
| mysql-info: 
|   Thread ID: 15
|   Some Capabilities: LongColumnFlag, SupportsTransactions, Support41Auth
|_  Salt: an&mv,r}>Z+c6"G~fcAV

# Nmap done at Sun Nov 29 03:09:57 2026 -- 1 IP address (1 host up) scanned in 9.52 seconds
EOF
sed -e 's/^|_auth-owners: www-data/|_auth-owners: root/' \
  -e '/^|_http-title/d' -e 's/^3306\/tcp  open /3306\/tcp  closed/' \
  "$TMP/ref.txt" >"$TMP/changed.txt"
"$PT_PYTHON" "$C/normalize.py" compare "$TMP/ref.txt" "$TMP/same.txt" >"$TMP/same.out" ||
  fail "normalize.py: equal outputs compared unequal: $(cat "$TMP/same.out")"
"$PT_PYTHON" "$C/normalize.py" compare "$TMP/ref.txt" "$TMP/changed.txt" >"$TMP/changed.out"
rc=$?
[ "$rc" -eq 1 ] && grep -q ', 3 unexplained$' "$TMP/changed.out" ||
  fail "normalize.py: changed output gave exit $rc: $(cat "$TMP/changed.out")"

PT_TEST_NAME=compat_subset timeout 110 bash "$C/run.sh" --subset "$PORTOLAN" ||
  fail "Portolan's -sC output differs from Nmap's (see above)"
pt_log "ok"
