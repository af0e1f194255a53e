#!/usr/bin/env bash
# `make install` lays out a tree the installed binary can use: installs the
# build that made $PORTOLAN into a temp prefix (cmake --install, what the
# Makefile's install target runs) and checks that <prefix>/bin/portolan finds
# <prefix>/share/portolan/{scripts,nselib} through its own location
# (DESIGN.md's search path: the binary's ../share/portolan), with no
# --datadir, no PORTOLAN_DATADIR, an empty HOME and the source tree out of
# reach. Sends no traffic: scripts run as pre-scan rules with no target.
set -euo pipefail
PT_TEST_NAME=test_install

fail() {
  printf '%s: FAIL: %s\n' "$PT_TEST_NAME" "$*" >&2
  exit 1
}
skip_test() {
  printf '%s: SKIP: %s\n' "$PT_TEST_NAME" "$*" >&2
  exit 77
}

[ -n "${PORTOLAN:-}" ] || fail "PORTOLAN must name the built binary"
BUILD_DIR="$(cd "$(dirname "$PORTOLAN")" && pwd)"
[ -f "$BUILD_DIR/cmake_install.cmake" ] ||
  skip_test "$BUILD_DIR is not a CMake build directory"
command -v cmake >/dev/null || skip_test "needs cmake"

TMP="$(mktemp -d /tmp/pt-install.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
PREFIX="$TMP/prefix"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 ||
  { cat "$TMP/install.log" >&2; fail "cmake --install failed"; }

BIN="$PREFIX/bin/portolan"
SHARE="$PREFIX/share/portolan"
[ -x "$BIN" ] || fail "no executable at $BIN"
for f in scripts/script.db scripts/banner.nse scripts/auth-owners.nse \
  nselib/stdnse.lua nselib/shortport.lua; do
  [ -f "$SHARE/$f" ] || fail "not installed: share/portolan/$f"
done

# Probes that exist only in the installed tree: finding them proves that the
# binary searched it, for scripts and for nselib modules alike.
cat >"$SHARE/nselib/ptinstallprobe.lua" <<'EOF'
return { token = "pt-install-lib-" .. "found" }
EOF
cat >"$SHARE/scripts/pt-install-probe.nse" <<'EOF'
description = [[Probe of test_install: pt-install-script-found.]]
categories = {"safe"}
local stdnse = require "stdnse"
local probe = require "ptinstallprobe"
prerule = function() return true end
action = function()
  stdnse.debug1("probe ran")
  return probe.token
end
EOF

mkdir -p "$TMP/home" "$TMP/cwd"
run() {
  (cd "$TMP/cwd" && env -u PORTOLAN_DATADIR HOME="$TMP/home" \
    timeout --kill-after=5 60 "$BIN" "$@")
}

# 1. --script-help finds a bundled script and the probe.
run --script-help banner >"$TMP/help.out" 2>&1 ||
  { cat "$TMP/help.out" >&2; fail "--script-help banner failed"; }
grep -qx 'banner' "$TMP/help.out" && grep -q '^Categories: .*discovery' "$TMP/help.out" ||
  { cat "$TMP/help.out" >&2; fail "--script-help banner did not describe banner"; }
run --script-help pt-install-probe >"$TMP/help2.out" 2>&1 || true
grep -q 'pt-install-script-found' "$TMP/help2.out" ||
  { cat "$TMP/help2.out" >&2; fail "the installed scripts/ directory was not searched"; }

# 2. A pre-scan script runs on the installed nselib.
run --script pt-install-probe >"$TMP/run.out" 2>&1 ||
  { cat "$TMP/run.out" >&2; fail "running the probe script failed"; }
grep -q '^|_pt-install-probe: pt-install-lib-found' "$TMP/run.out" ||
  { cat "$TMP/run.out" >&2; fail "the probe's output (from the installed nselib) is missing"; }

# 3. A script that exists nowhere: a clear error and a failing status.
if run --script pt-no-such-script-here >"$TMP/bad.out" 2>&1; then
  cat "$TMP/bad.out" >&2
  fail "an unknown script name did not fail"
fi
grep -q 'pt-no-such-script-here' "$TMP/bad.out" ||
  { cat "$TMP/bad.out" >&2; fail "the error does not name the unknown script"; }

echo "$PT_TEST_NAME: PASS"
