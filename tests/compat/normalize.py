#!/usr/bin/python3
"""Block-by-block comparison of two normal (-oN) outputs of the same scan,
one by Nmap and one by Portolan (tests/compat/run.sh).

  normalize.py blocks FILE                 print the normalized blocks
  normalize.py compare [--known F] REF OURS

A block is a port line ("21/tcp open ftp"), or one script's result under a
port, or under "Host script results:" / "Pre-scan script results:" /
"Post-scan script results:". A script result starts at "| <id>: " or
"|_<id>: " where <id> is the name of a script that exists (the scripts
directories given with --scripts, by default Nmap's), so a result line
such as "| FTP server status:" is never taken for a new block.

The order of the results under a port is the order in which the scripts
finished, in Nmap as in Portolan, so it is not compared. What differs
between two runs of the same scanner against the same services is masked
(MASKS below, each with its reason). The rest must be equal, or be listed
in the --known file ("<where> <script> <reason>" per line, '#' comments)
with the reason for the difference. Exit status: 0 when every block is
equal or known, 1 otherwise, 2 on bad usage or unreadable input.
"""
import difflib
import glob
import os
import re
import sys

# (script id or '*', pattern, replacement, why the value varies run to run)
MASKS = [
    ("ftp-syst", r"client count was \d+", "client count was <N>",
     "vsftpd counts the connections open at that moment (other scripts')"),
    ("mysql-info", r"Thread ID: \d+", "Thread ID: <N>",
     "the server's connection counter"),
    ("mysql-info", r"Salt: .*", "Salt: <random>", "a fresh random salt"),
    ("http-date", r": .* GMT; .* from local time\.", ": <date>; <skew> from local time.",
     "the server's clock at the time of the request"),
    ("http-headers", r"Date: .* GMT", "Date: <date>", "the time of the request"),
    ("banner", r"\w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4}", "<date>",
     "an SMTP greeting carries the time"),
    ("banner", r"(MariaDB[^\\]*)\\x00[\s\S]*", r"\1\\x00<thread id, salt...>",
     "a MySQL greeting carries the connection id and a random salt"),
    ("redis-info", r"(Used CPU \((sys|user)\): )[\d.]+", r"\1<N>", "CPU time so far"),
    ("redis-info", r"(Used memory: ).*", r"\1<N>", "the heap at that moment"),
    ("redis-info", r"(Connected clients: )\d+", r"\1<N>", "other scripts' connections"),
    ("memcached-info", r"(Uptime: )\d+ seconds", r"\1<N> seconds", "the time of the scan"),
    ("memcached-info", r"(Server time: ).*", r"\1<date>", "the time of the scan"),
    ("memcached-info", r"(Used CPU \((user|system)\): )[\d.]+", r"\1<N>", "CPU time so far"),
    ("memcached-info", r"((Current|Total) connections: )\d+", r"\1<N>",
     "other scripts' connections"),
    ("ssl-date", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+\d\d:\d\d)?; [-+]?[0-9hms]+ from scanner time\.",
     "<date>; <skew> from scanner time.", "the time of the scan"),
]
# Comma-separated lists that a script builds by iterating a Lua table with
# pairs(): the order is the hash order, which differs between runs and
# between Lua 5.3 and 5.4; the items are compared as a set.
UNORDERED = [
    ("mysql-info", r"^(\|\s+Some Capabilities: )(.*)$", ","),
    # nselib/vulns.lua: "IDs:" and "References:" come from pairs() too.
    ("*", r"^(\|\s+IDs:  )(.*)$", "  "),
]
# Headers whose more indented following lines are such a set, one per line.
UNORDERED_LINES = [
    ("*", re.compile(r"^\|(\s+)References:$")),
]

SECTIONS = {
    "Host script results:": "host",
    "Pre-scan script results:": "pre-scan",
    "Post-scan script results:": "post-scan",
}
PORT_RE = re.compile(r"^(\d+)/(tcp|udp|sctp)\s+(\S+)\s+(\S+)(.*)$")
START_RE = re.compile(r"^\|[ _]([A-Za-z0-9][A-Za-z0-9_.-]*):( |$)")


def script_ids(dirs):
    ids = set()
    for d in dirs:
        for p in glob.glob(os.path.join(d, "*.nse")):
            ids.add(os.path.basename(p)[:-4])
    return ids


def mask(script, text):
    for sid, pat, rep, _why in MASKS:
        if sid in ("*", script):
            text = re.sub(pat, rep, text)
    lines = text.split("\n")
    for sid, pat, sep in UNORDERED:
        if sid not in ("*", script):
            continue
        for i, line in enumerate(lines):
            m = re.match(pat, line)
            if m:
                items = sorted(x.strip() for x in m.group(2).split(sep.strip() or sep))
                lines[i] = m.group(1) + (sep if sep.strip() == "" else sep + " ").join(
                    x for x in items if x)
    for sid, pat in UNORDERED_LINES:
        if sid not in ("*", script):
            continue
        i = 0
        while i < len(lines):
            m = pat.match(lines[i])
            i += 1
            if not m:
                continue
            # "|_" (the block's last line) counts as "| " for depth and order
            plain = lambda l: "| " + l[2:] if l.startswith("|_") else l
            depth = lambda l: len(plain(l)[1:]) - len(plain(l)[1:].lstrip(" "))
            j = i
            while j < len(lines) and depth(lines[j]) > len(m.group(1)):
                j += 1
            last = j > i and lines[j - 1].startswith("|_")
            body = sorted(plain(l) for l in lines[i:j])
            if last:
                body[-1] = "|_" + body[-1][2:]
            lines[i:j] = body
            i = j
    return "\n".join(lines)


def blocks(path, ids):
    """Returns {(where, script): text} and the list of keys in order."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    out = {}
    order = []
    where = None
    cur = None

    def add(key, text):
        n = 2
        k = key
        while k in out:  # the same script twice: keep both
            k = (key[0], "%s#%d" % (key[1], n))
            n += 1
        out[k] = text
        order.append(k)
        return k

    for line in lines:
        if line in SECTIONS:
            where, cur = SECTIONS[line], None
            continue
        m = PORT_RE.match(line)
        if m:
            where = "%s/%s" % (m.group(1), m.group(2))
            add((where, "(port)"), "%s %s %s" % (where, m.group(3), m.group(4)))
            cur = None
            continue
        if line.startswith("|") and where is not None:
            s = START_RE.match(line)
            if s and s.group(1) in ids:
                cur = add((where, s.group(1)), line)
                continue
            if cur is not None:
                out[cur] += "\n" + line
                continue
        # anything else (headers, latency, timing, blank lines) ends a block
        if not line.startswith("|"):
            cur = None
    for k in out:
        out[k] = mask(k[1].split("#")[0], out[k])
    return out, order


def read_known(path):
    known = {}
    if not path:
        return known
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit("%s: bad line (want '<where> <script> <reason>'): %s" % (path, line))
            known[(parts[0], parts[1])] = parts[2]
    return known


def compare(ref_path, ours_path, known, ids):
    ref, ref_order = blocks(ref_path, ids)
    ours, ours_order = blocks(ours_path, ids)
    keys = ref_order + [k for k in ours_order if k not in ref]
    equal = known_n = bad = 0
    for k in keys:
        a, b = ref.get(k), ours.get(k)
        label = "%s %s" % k
        if a == b:
            equal += 1
            continue
        why = known.get(k) or known.get(("*", k[1]))
        if a is None:
            what = "only in Portolan's output"
        elif b is None:
            what = "missing from Portolan's output"
        else:
            what = "differs"
        diff = "\n".join(difflib.unified_diff(
            (a or "").splitlines(), (b or "").splitlines(),
            "nmap", "portolan", n=1, lineterm=""))
        if why:
            known_n += 1
            print("KNOWN  %s: %s (%s)" % (label, what, why))
        else:
            bad += 1
            print("DIFF   %s: %s" % (label, what))
            for line in diff.splitlines():
                print("       " + line)
    print("compat: %d blocks: %d equal, %d known differences, %d unexplained"
          % (len(keys), equal, known_n, bad))
    return 1 if bad else 0


def main(argv):
    known_path = None
    dirs = []
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--known" and i + 1 < len(argv):
            known_path = argv[i + 1]
            i += 2
        elif argv[i] == "--scripts" and i + 1 < len(argv):
            dirs.append(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if not dirs:
        dirs = ["/usr/share/nmap/scripts",
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")]
    ids = script_ids(dirs)
    try:
        if len(args) == 2 and args[0] == "blocks":
            b, order = blocks(args[1], ids)
            for k in order:
                print("### %s %s\n%s" % (k[0], k[1], b[k]))
            return 0
        if len(args) == 3 and args[0] == "compare":
            return compare(args[1], args[2], read_known(known_path), ids)
    except OSError as e:
        print("normalize.py: %s" % e, file=sys.stderr)
        return 2
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
