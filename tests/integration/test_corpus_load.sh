#!/bin/bash
# The load pass over Nmap's whole script corpus (issue #4): every script of
# /usr/share/nmap/scripts compiled, its top-level chunk run and its fields
# validated by the same code that loads scripts at scan time (engine_build:
# selection, load, dependency linking), through --script-help.
#
# Two configurations, because both are real:
#   nmap   --datadir /usr/share/nmap: Nmap's nselib and script.db, so
#          `--script-help all` selects the 604 scripts by category;
#   ours   --datadir of this source tree (the project's own nselib first,
#          Nmap's last on the path), selecting the scripts directory.
# A pass loads everything at once (the engine stops at the first script that
# fails, as Nmap does); when it fails, every script is then loaded alone so
# that each failure is counted and named, none dropped. The fixture
# directory nse/corpus-bad holds two broken scripts: the counting loop must
# name exactly those two, which proves the loop can fail.
#
# Where Nmap is installed, the text of `--script-help all` must equal Nmap's
# line for line (after Nmap's "Starting Nmap" banner), and so must its XML
# form (-oX; the order of <directory>'s attributes is Nmap's pairs() order
# and varies between its runs). No network is used.
set -u
. "$(dirname "$0")/lib.sh"
PT_TEST_NAME=corpus_load
[ -x "${PORTOLAN:-}" ] || skip_test "PORTOLAN is not set to the binary"
SCRIPTS=/usr/share/nmap/scripts
[ -f "$SCRIPTS/script.db" ] || skip_test "needs Nmap's scripts ($SCRIPTS)"
TMP="$(mktemp -d /tmp/pt-corpus.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
failures=0
bad() {
  pt_log "FAIL: $*"
  failures=$((failures + 1))
}

# count_failures OUTFILE DATADIR-ARGS... -- SCRIPT...: loads each script
# alone; writes "<script>: <first error line>" to OUTFILE for each failure.
count_failures() {
  local out="$1" f
  shift
  local -a dargs=()
  while [ "$1" != "--" ]; do
    dargs+=("$1")
    shift
  done
  shift
  : >"$out"
  for f in "$@"; do
    if ! timeout 20 "$PORTOLAN" "${dargs[@]}" --script-help "$f" \
      >/dev/null 2>"$TMP/one.err"; then
      printf '%s: %s\n' "${f##*/}" \
        "$(grep -v '^NSE: Failed to load' "$TMP/one.err" | head -n1)" >>"$out"
    fi
  done
}

# load_pass NAME DATADIR-ARGS... -- SPEC: one load of SPEC; on failure the
# per-script count. Prints the number of scripts loaded.
load_pass() {
  local name="$1"
  shift
  local -a dargs=()
  while [ "$1" != "--" ]; do
    dargs+=("$1")
    shift
  done
  local spec="$2"
  if timeout 60 "$PORTOLAN" "${dargs[@]}" --script-help "$spec" \
    >"$TMP/$name.out" 2>"$TMP/$name.err"; then
    local n
    n="$(grep -c '^Categories:' "$TMP/$name.out")"
    [ "$n" -eq "$nscripts" ] ||
      bad "$name: --script-help $spec listed $n scripts, want $nscripts"
    pt_log "$name: $n scripts loaded"
    return 0
  fi
  pt_log "$name: the load pass failed: $(head -n2 "$TMP/$name.err" | tr '\n' ' ')"
  count_failures "$TMP/$name.fail" "${dargs[@]}" -- "$SCRIPTS"/*.nse
  local n
  n="$(wc -l <"$TMP/$name.fail")"
  bad "$name: $n of $nscripts scripts fail to load:"
  sed 's/^/    /' "$TMP/$name.fail" >&2
}

nscripts="$(find "$SCRIPTS" -maxdepth 1 -name '*.nse' | wc -l)"
[ "$nscripts" -gt 0 ] || skip_test "no scripts in $SCRIPTS"

load_pass nmap --datadir /usr/share/nmap -- all
load_pass ours --datadir "$PT_SRCDIR" -- "$SCRIPTS/"

# Nmap's own text, line for line.
if command -v nmap >/dev/null 2>&1 && [ -s "$TMP/nmap.out" ]; then
  (cd "$TMP" && timeout 60 nmap --script-help all 2>&1) |
    grep -v '^Starting Nmap' >"$TMP/ref.out"
  if ! diff -u "$TMP/ref.out" "$TMP/nmap.out" >"$TMP/help.diff"; then
    bad "--script-help all differs from nmap's ($(($(grep -c '^[-+]' "$TMP/help.diff") - 2)) lines):"
    head -n 20 "$TMP/help.diff" >&2
  fi
fi

# The XML form (-oX) as well; Nmap names its data directory through its
# binary's directory (/usr/bin/../share/nmap), Portolan by its real path.
if command -v nmap >/dev/null 2>&1; then
  (cd "$TMP" && timeout 60 nmap --script-help all -oX "$TMP/ref.xml" >/dev/null 2>&1)
  timeout 60 "$PORTOLAN" --datadir /usr/share/nmap --script-help all \
    -oX "$TMP/ours.xml" >/dev/null 2>&1 || bad "--script-help all -oX failed"
  sed -i 's|="[^"]*/\.\./share/nmap/|="/usr/share/nmap/|g' "$TMP/ref.xml"
  # Nmap writes the attributes of <directory> in pairs() order (either).
  sed -i 's|<directory path="\([^"]*\)" name="\([^"]*\)">|<directory name="\2" path="\1">|' \
    "$TMP/ref.xml" "$TMP/ours.xml"
  if ! diff "$TMP/ref.xml" "$TMP/ours.xml" >"$TMP/xml.diff"; then
    bad "--script-help all -oX differs from nmap's ($(grep -c '^>' "$TMP/xml.diff") lines):"
    head -c 1500 "$TMP/xml.diff" >&2
  fi
fi

# The counting loop must see broken scripts.
BAD="$PT_SRCDIR/tests/integration/nse/corpus-bad"
count_failures "$TMP/selfcheck" --datadir /usr/share/nmap -- "$BAD"/*.nse
got="$(cut -d: -f1 "$TMP/selfcheck" | tr '\n' ' ')"
[ "$got" == "norule.nse requires-missing.nse " ] ||
  bad "self-check: the counting loop named [$got], want the two broken fixtures"
grep -q "module 'no-such-nselib-module' not found" "$TMP/selfcheck" ||
  bad "self-check: no cause given for requires-missing.nse: $(cat "$TMP/selfcheck")"

[ "$failures" -eq 0 ] || fail "$failures check(s) failed"
pt_log "ok"
