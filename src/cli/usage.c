/* Help and version texts (see usage.h). The help text lists only options
 * that the parser accepts; keep the two in step. */
#include "cli/usage.h"

#include <ares.h>
#include <lua.h>
#include <openssl/crypto.h>
#include <uv.h>
#include <zlib.h>

static const char usage_text[] =
    "Usage: %s [Scan Type(s)] [Options] {target specification}\n"
    "TARGET SPECIFICATION:\n"
    "  Addresses, networks and names: 192.168.0.1, 10.0.0.0/24,\n"
    "  10.0-3.1-254 (octet ranges and lists), host.example/28, 2001:db8::1\n"
    "  -iL <file>: Read targets from a file (\"-\" for standard input)\n"
    "  --exclude <host1[,host2],...>: Leave these hosts/networks out\n"
    "  --excludefile <file>: Leave out the hosts/networks listed in a file\n"
    "  --shard <I/N>: Scan only the I-th of N equal, disjoint slices of the\n"
    "      targets (1 <= I <= N), for splitting a scan across machines\n"
    "  --randomize-hosts: Scan hosts in random order\n"
    "HOST DISCOVERY:\n"
    "  -sL: List Scan - print the targets, send nothing\n"
    "  -sn: Ping Scan - find live hosts, no port scan\n"
    "  -Pn: Treat every host as up - skip host discovery\n"
    "  -n/-R: Never resolve names in reverse / Always resolve [default: up "
    "hosts]\n"
    "  --dns-servers <serv1[,serv2],...>: Use these DNS servers\n"
    "SCAN TECHNIQUES:\n"
    "  -sT: TCP connect() scan (the default)\n"
    "  -sS: TCP SYN scan (not yet: falls back to -sT)\n"
    "PORT SPECIFICATION:\n"
    "  -p <port ranges>: Scan these ports\n"
    "    Ex: -p22; -p1-65535; -p U:53,111,137,T:21-25,80,139,8080; -p http*\n"
    "  --exclude-ports <port ranges>: Leave these ports out\n"
    "  -F: Fast mode - the 100 most common ports instead of 1000\n"
    "  -r: Scan ports in order instead of shuffled\n"
    "  --top-ports <number>: The <number> most common ports\n"
    "SERVICE/VERSION DETECTION:\n"
    "  -sV: Service detection (version-category scripts for now)\n"
    "  --version-intensity <level>: From 0 (light) to 9 (all probes)\n"
    "SCRIPT SCAN (NSE-compatible scripts):\n"
    "  -sC: Same as --script=default\n"
    "  --script=<Lua scripts>: Comma list of directories, script files or\n"
    "      script categories, with boolean expressions (\"not intrusive\")\n"
    "  --script-args=<n1=v1,[n2=v2,...]>: Arguments for scripts\n"
    "  --script-args-file=<file>: Script arguments from a file\n"
    "  --script-trace: Show all data sent and received by scripts\n"
    "  --script-updatedb: Rebuild scripts/script.db\n"
    "  --script-help=<Lua scripts>: Show help about scripts\n"
    "  --script-timeout <time>: Stop each script after this long\n"
    "  --script-max-threads <n>: At most n script threads at once\n"
    "  --script-mem-limit <size>: Memory cap for the script engine (K/M/G)\n"
    "TIMING AND PERFORMANCE:\n"
    "  <time> is in seconds, or append 'ms' (milliseconds), 's' (seconds),\n"
    "  'm' (minutes) or 'h' (hours) (e.g. 30m, 500ms).\n"
    "  -T<0-5>: Timing template (higher is faster); names work too:\n"
    "      paranoid, sneaky, polite, normal, aggressive, insane\n"
    "  --min-hostgroup/max-hostgroup <size>: Hosts scanned at once\n"
    "  --min-parallelism/max-parallelism <numprobes>: Probes in flight\n"
    "  --min-rtt-timeout/max-rtt-timeout/initial-rtt-timeout <time>: Probe\n"
    "      round trip time\n"
    "  --max-retries <tries>: Retransmissions of a port probe at most\n"
    "  --host-timeout <time>: Give up on a host after this long\n"
    "  --scan-delay/--max-scan-delay <time>: Delay between probes\n"
    "  --min-rate <number>: Send at least <number> probes per second\n"
    "  --max-rate <number>: Send at most <number> probes per second\n"
    "OUTPUT:\n"
    "  -oN/-oX/-oG/-oJ <file>: Normal, XML, grepable or JSON lines output\n"
    "      (\"-\" writes to standard output)\n"
    "  -oA <basename>: All four at once: .nmap .xml .gnmap .jsonl\n"
    "  -v: More verbose (-vv or -v3 for more)\n"
    "  -d: Debugging output (-dd or -d2 for more)\n"
    "  --reason: Show why each port is in its state\n"
    "  --open: Show only open (or possibly open) ports\n"
    "  --packet-trace: Show probes sent and received\n"
    "  --append-output: Append to output files instead of overwriting\n"
    "  --stats-every <time>: Print a progress line this often (or press a "
    "key)\n"
    "  --stylesheet <path/URL>: XSL stylesheet for the XML output\n"
    "  --no-stylesheet: No stylesheet in the XML output\n"
    "MISC:\n"
    "  -6: Scan IPv6 targets\n"
    "  -A: Same as -sV -sC for now (OS detection and traceroute: not yet)\n"
    "  --datadir <dir>: Look here first for scripts, nselib and data files\n"
    "  -V: Print the version number\n"
    "  -h: Print this help summary page.\n"
    "EXAMPLES:\n"
    "  %s -n -Pn -sT -p 22,80,443 127.0.0.1\n"
    "  %s -v -sC -oA scan 192.168.0.0/24\n"
    "  %s -sL --shard 2/4 10.0.0.0/16\n";

void usage_print(FILE *f, const char *prog) {
  fprintf(f, "Portolan %s ( %s )\n", PORTOLAN_VERSION, PORTOLAN_URL);
  fprintf(f, usage_text, prog, prog, prog, prog);
}

void usage_version(FILE *f) {
  fprintf(f, "Portolan version %s ( %s )\n", PORTOLAN_VERSION, PORTOLAN_URL);
#if defined(__x86_64__)
  fputs("Platform: x86_64-pc-linux-gnu\n", f);
#elif defined(__aarch64__)
  fputs("Platform: aarch64-unknown-linux-gnu\n", f);
#endif
  fprintf(f,
          "Compiled with: liblua-%s.%s.%s libuv-%s openssl-%s "
          "c-ares-%s libz-%s ipv6\n",
          LUA_VERSION_MAJOR, LUA_VERSION_MINOR, LUA_VERSION_RELEASE,
          uv_version_string(), OpenSSL_version(OPENSSL_VERSION_STRING),
          ares_version(NULL), zlibVersion());
  fputs("Compiled without: raw packets (SYN/UDP scans), OS detection\n", f);
}
