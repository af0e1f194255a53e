/* Command-line parsing (see cliargs.h). Option names, argument forms and
 * the gist of the error messages follow Nmap 7.93; numbers are checked
 * strictly (Nmap's atoi accepts "--max-retries abc" as 0: we refuse it).
 *
 * Invariant: every failure path fills ca->err with one line naming the bad
 * option or value and returns a negative code; nothing here prints or
 * exits. */
#include "cli/cliargs.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/errcode.h"
#include "core/xalloc.h"

enum {
  OPT_TOP_PORTS = 256,
  OPT_PORT_RATIO,
  OPT_EXCLUDE_PORTS,
  OPT_MIN_RATE,
  OPT_MAX_RATE,
  OPT_MAX_RETRIES,
  OPT_MIN_PAR,
  OPT_MAX_PAR,
  OPT_MIN_HG,
  OPT_MAX_HG,
  OPT_HOST_TIMEOUT,
  OPT_SCRIPT_TIMEOUT,
  OPT_MIN_RTT,
  OPT_MAX_RTT,
  OPT_INIT_RTT,
  OPT_SCAN_DELAY,
  OPT_MAX_SCAN_DELAY,
  OPT_SCRIPT,
  OPT_SCRIPT_ARGS,
  OPT_SCRIPT_ARGS_FILE,
  OPT_SCRIPT_TRACE,
  OPT_SCRIPT_UPDATEDB,
  OPT_SCRIPT_HELP,
  OPT_SCRIPT_THREADS,
  OPT_SCRIPT_MEM,
  OPT_DATADIR,
  OPT_APPEND,
  OPT_REASON,
  OPT_OPEN,
  OPT_EXCLUDE,
  OPT_EXCLUDEFILE,
  OPT_DNS_SERVERS,
  OPT_VERSION,
  OPT_HELP,
  OPT_STATS_EVERY,
  OPT_PACKET_TRACE,
  OPT_RANDOMIZE,
  OPT_SHARD,
  OPT_VERSION_INTENSITY,
  OPT_VERSION_LIGHT,
  OPT_VERSION_ALL,
  OPT_STYLESHEET,
  OPT_NO_STYLESHEET,
  OPT_OUT_N,
  OPT_OUT_X,
  OPT_OUT_G,
  OPT_OUT_J,
  OPT_OUT_A,
  OPT_OUT_S,
  OPT_INPUT_LIST,
  OPT_IGNORED, /* accepted for Nmap users' habits, no effect here */
};

/* Nmap spells its two-letter options (-oX, -iL) as long options so that
 * getopt_long_only takes the next word as their argument. */
static const struct option long_opts[] = {
    {"oN", required_argument, NULL, OPT_OUT_N},
    {"oX", required_argument, NULL, OPT_OUT_X},
    {"oG", required_argument, NULL, OPT_OUT_G},
    {"oJ", required_argument, NULL, OPT_OUT_J},
    {"oA", required_argument, NULL, OPT_OUT_A},
    {"oS", required_argument, NULL, OPT_OUT_S},
    {"iL", required_argument, NULL, OPT_INPUT_LIST},
    {"top-ports", required_argument, NULL, OPT_TOP_PORTS},
    {"port-ratio", required_argument, NULL, OPT_PORT_RATIO},
    {"exclude-ports", required_argument, NULL, OPT_EXCLUDE_PORTS},
    {"min-rate", required_argument, NULL, OPT_MIN_RATE},
    {"max-rate", required_argument, NULL, OPT_MAX_RATE},
    {"max-retries", required_argument, NULL, OPT_MAX_RETRIES},
    {"min-parallelism", required_argument, NULL, OPT_MIN_PAR},
    {"max-parallelism", required_argument, NULL, OPT_MAX_PAR},
    {"min-hostgroup", required_argument, NULL, OPT_MIN_HG},
    {"max-hostgroup", required_argument, NULL, OPT_MAX_HG},
    {"host-timeout", required_argument, NULL, OPT_HOST_TIMEOUT},
    {"script-timeout", required_argument, NULL, OPT_SCRIPT_TIMEOUT},
    {"min-rtt-timeout", required_argument, NULL, OPT_MIN_RTT},
    {"max-rtt-timeout", required_argument, NULL, OPT_MAX_RTT},
    {"initial-rtt-timeout", required_argument, NULL, OPT_INIT_RTT},
    {"scan-delay", required_argument, NULL, OPT_SCAN_DELAY},
    {"max-scan-delay", required_argument, NULL, OPT_MAX_SCAN_DELAY},
    {"script", required_argument, NULL, OPT_SCRIPT},
    {"script-args", required_argument, NULL, OPT_SCRIPT_ARGS},
    {"script-args-file", required_argument, NULL, OPT_SCRIPT_ARGS_FILE},
    {"script-trace", no_argument, NULL, OPT_SCRIPT_TRACE},
    {"script-updatedb", no_argument, NULL, OPT_SCRIPT_UPDATEDB},
    {"script-help", required_argument, NULL, OPT_SCRIPT_HELP},
    {"script-max-threads", required_argument, NULL, OPT_SCRIPT_THREADS},
    {"script-mem-limit", required_argument, NULL, OPT_SCRIPT_MEM},
    {"datadir", required_argument, NULL, OPT_DATADIR},
    {"append-output", no_argument, NULL, OPT_APPEND},
    {"reason", no_argument, NULL, OPT_REASON},
    {"open", no_argument, NULL, OPT_OPEN},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"excludefile", required_argument, NULL, OPT_EXCLUDEFILE},
    {"dns-servers", required_argument, NULL, OPT_DNS_SERVERS},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
    {"stats-every", required_argument, NULL, OPT_STATS_EVERY},
    {"packet-trace", no_argument, NULL, OPT_PACKET_TRACE},
    {"randomize-hosts", no_argument, NULL, OPT_RANDOMIZE},
    {"rH", no_argument, NULL, OPT_RANDOMIZE},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"version-intensity", required_argument, NULL, OPT_VERSION_INTENSITY},
    {"version-light", no_argument, NULL, OPT_VERSION_LIGHT},
    {"version-all", no_argument, NULL, OPT_VERSION_ALL},
    {"stylesheet", required_argument, NULL, OPT_STYLESHEET},
    {"no-stylesheet", no_argument, NULL, OPT_NO_STYLESHEET},
    {"system-dns", no_argument, NULL, OPT_IGNORED},
    {"unprivileged", no_argument, NULL, OPT_IGNORED},
    {"privileged", no_argument, NULL, OPT_IGNORED},
    {"noninteractive", no_argument, NULL, OPT_IGNORED},
    {NULL, 0, NULL, 0},
};

/* Leading ':' makes getopt return ':' for a missing argument. */
static const char short_opts[] = ":46Ad::FhnO::P:p:rRs:T:Vv::";

static int fail(struct cliargs *ca, int code, int usage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct cliargs *ca, int code, int usage, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ca->err, sizeof ca->err, fmt, ap);
  va_end(ap);
  ca->err_usage = usage;
  return code;
}

/* Whole-string decimal integer in [lo, hi]. */
static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
    return PT_EPARSE;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return PT_EPARSE;
  if (v < lo || v > hi)
    return PT_ERANGE;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double *out) {
  char *end;
  if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
    return PT_EPARSE;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || *end != '\0' || !isfinite(v))
    return PT_EPARSE;
  *out = v;
  return 0;
}

int cliargs_parse_time(const char *s, int64_t *ms) {
  char *end;
  if (s == NULL || !(isdigit((unsigned char)*s) || *s == '.'))
    return PT_EPARSE;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || !isfinite(v) || v < 0)
    return PT_EPARSE;
  double mult;
  if (*end == '\0' || strcmp(end, "s") == 0)
    mult = 1000;
  else if (strcmp(end, "ms") == 0)
    mult = 1;
  else if (strcmp(end, "m") == 0)
    mult = 60 * 1000;
  else if (strcmp(end, "h") == 0)
    mult = 3600 * 1000;
  else
    return PT_EPARSE;
  /* A year is far past any sensible timeout; refusing more keeps the
   * conversion to int64 defined. */
  if (v * mult > 365.0 * 24 * 3600 * 1000)
    return PT_EPARSE;
  *ms = (int64_t)(v * mult + 0.5);
  return 0;
}

int cliargs_parse_size(const char *s, size_t *bytes) {
  char *end;
  if (s == NULL || !isdigit((unsigned char)*s))
    return PT_EPARSE;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s)
    return PT_EPARSE;
  unsigned shift = 0;
  if (*end != '\0') {
    switch (toupper((unsigned char)*end)) {
    case 'K':
      shift = 10;
      break;
    case 'M':
      shift = 20;
      break;
    case 'G':
      shift = 30;
      break;
    default:
      return PT_EPARSE;
    }
    if (end[1] != '\0' &&
        !(toupper((unsigned char)end[1]) == 'B' && end[2] == '\0'))
      return PT_EPARSE;
  }
  if (v > (SIZE_MAX >> shift) || v > (1ULL << 40))
    return PT_EPARSE;
  *bytes = (size_t)(v << shift);
  return 0;
}

static void set_str(char **field, const char *v) {
  free(*field);
  *field = xstrdup(v);
}

/* -T: a digit 0-5 or a template name, case-insensitive as Nmap. */
static int parse_timing(const char *s) {
  static const char *const names[] = {"paranoid", "sneaky",     "polite",
                                      "normal",   "aggressive", "insane"};
  if (s[0] >= '0' && s[0] <= '5' && s[1] == '\0')
    return s[0] - '0';
  for (int i = 0; i < 6; i++)
    if (strcasecmp(s, names[i]) == 0)
      return i;
  return -1;
}

/* -v / -d: "", a count of repeated letters ("vv"), or a level ("3"). */
static int parse_level(const char *arg, char letter, int cur, int *out) {
  if (arg == NULL) {
    *out = cur + 1;
    return 0;
  }
  long v;
  if (isdigit((unsigned char)arg[0])) {
    if (parse_int(arg, 0, 10, &v) != 0)
      return PT_EPARSE;
    *out = (int)v;
    return 0;
  }
  size_t n = 0;
  for (; arg[n] != '\0'; n++)
    if (arg[n] != letter)
      return PT_EPARSE;
  *out = cur + 1 + (int)n;
  return 0;
}

static int parse_scan_type(const char *t, struct scan_opts *o,
                           struct cliargs *ca) {
  if (t[0] == '\0' || t[1] != '\0')
    return fail(ca, PT_EPARSE, 0, "Unsupported scan type: -s%s", t);
  switch (t[0]) {
  case 'T':
    o->scan_types |= SCAN_CONNECT;
    return 0;
  case 'S':
    o->scan_types |= SCAN_SYN;
    return 0;
  case 'U':
    /* Refused here rather than at scan time so the user learns before
     * anything is sent. */
    return fail(ca, PT_EUNSUPPORTED, 0,
                "UDP scan (-sU) is not supported yet; use -sT");
  case 'V':
    o->version_detect = 1;
    return 0;
  case 'n':
    o->ping_only = 1;
    return 0;
  case 'P': /* old spelling of -sn */
    o->ping_only = 1;
    return 0;
  case 'L':
    o->list_scan = 1;
    return 0;
  case 'C':
    o->script_scan = 1;
    o->script_default = 1;
    return 0;
  default:
    return fail(ca, PT_EUNSUPPORTED, 0, "Scan type -s%s is not supported", t);
  }
}

static int parse_output(char kind, const char *arg, struct scan_opts *o,
                        struct cliargs *ca) {
  if (arg[0] == '\0')
    return fail(ca, PT_EPARSE, 0, "Empty file name given to -o%c", kind);
  switch (kind) {
  case 'N':
    set_str(&o->out_normal, arg);
    return 0;
  case 'X':
    set_str(&o->out_xml, arg);
    return 0;
  case 'G':
    set_str(&o->out_grep, arg);
    return 0;
  case 'J':
    set_str(&o->out_json, arg);
    return 0;
  case 'A': {
    if (strcmp(arg, "-") == 0)
      return fail(ca, PT_EPARSE, 0,
                  "Cannot display multiple output types to stdout.");
    char *p = xasprintf("%s.nmap", arg);
    free(o->out_normal);
    o->out_normal = p;
    p = xasprintf("%s.xml", arg);
    free(o->out_xml);
    o->out_xml = p;
    p = xasprintf("%s.gnmap", arg);
    free(o->out_grep);
    o->out_grep = p;
    p = xasprintf("%s.jsonl", arg);
    free(o->out_json);
    o->out_json = p;
    return 0;
  }
  case 'S':
    return fail(ca, PT_EUNSUPPORTED, 0,
                "Script kiddie output (-oS) is not supported");
  default:
    return fail(ca, PT_EPARSE, 1, "unrecognized option '-o%c'", kind);
  }
}

/* --shard I/N, 1 <= I <= N. */
static int check_shard(const char *s) {
  const char *slash = strchr(s, '/');
  if (slash == NULL || slash == s)
    return PT_EPARSE;
  char ibuf[32];
  size_t il = (size_t)(slash - s);
  if (il >= sizeof ibuf)
    return PT_EPARSE;
  memcpy(ibuf, s, il);
  ibuf[il] = '\0';
  long i, n;
  if (parse_int(ibuf, 1, LONG_MAX, &i) != 0 ||
      parse_int(slash + 1, 1, LONG_MAX, &n) != 0 || i > n)
    return PT_EPARSE;
  return 0;
}

static void add_excludes(struct strlist *l, const char *arg) {
  char *copy = xstrdup(arg), *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
       tok = strtok_r(NULL, ",", &save))
    strlist_add(l, tok);
  free(copy);
}

#define NEED_INT(name, lo, hi, field, msg)                                     \
  do {                                                                         \
    long v_;                                                                   \
    if (parse_int(optarg, (lo), (hi), &v_) != 0)                               \
      return fail(ca, PT_ERANGE, 0, "%s (got \"%s\")", (msg), optarg);         \
    (field) = (int)v_;                                                         \
  } while (0)

#define NEED_TIME(name, field)                                                 \
  do {                                                                         \
    int64_t t_;                                                                \
    if (cliargs_parse_time(optarg, &t_) != 0)                                  \
      return fail(ca, PT_EPARSE, 0,                                            \
                  "Bogus --" name " argument specified: \"%s\"", optarg);      \
    (field) = t_;                                                              \
  } while (0)

/* Handles one long option. */
static int long_option(int c, struct scan_opts *o, struct cliargs *ca) {
  double d;
  size_t sz;
  switch (c) {
  case OPT_TOP_PORTS:
    NEED_INT("top-ports", 1, 65536 * 3, o->top_ports,
             "--top-ports should be an integer 1 or greater");
    return 0;
  case OPT_PORT_RATIO:
    if (parse_double(optarg, &d) != 0 || d < 0 || d > 1)
      return fail(ca, PT_ERANGE, 0,
                  "Argument to --port-ratio must be a float between 0 and 1 "
                  "(got \"%s\")",
                  optarg);
    o->port_ratio = d;
    return 0;
  case OPT_EXCLUDE_PORTS:
    set_str(&o->exclude_ports, optarg);
    return 0;
  case OPT_MIN_RATE:
  case OPT_MAX_RATE:
    if (parse_double(optarg, &d) != 0 || d <= 0)
      return fail(ca, PT_ERANGE, 0,
                  "Argument to --%s must be a positive floating-point "
                  "number (got \"%s\")",
                  c == OPT_MIN_RATE ? "min-rate" : "max-rate", optarg);
    *(c == OPT_MIN_RATE ? &o->min_rate : &o->max_rate) = d;
    return 0;
  case OPT_MAX_RETRIES:
    NEED_INT("max-retries", 0, 1000, o->max_retries,
             "--max-retries must be a non-negative integer");
    return 0;
  case OPT_MIN_PAR:
    NEED_INT("min-parallelism", 1, 100000, o->min_parallelism,
             "Argument to --min-parallelism must be at least 1");
    return 0;
  case OPT_MAX_PAR:
    NEED_INT("max-parallelism", 1, 100000, o->max_parallelism,
             "Argument to --max-parallelism must be at least 1");
    return 0;
  case OPT_MIN_HG:
    NEED_INT("min-hostgroup", 1, 100000, o->min_hostgroup,
             "Argument to --min-hostgroup must be at least 1");
    return 0;
  case OPT_MAX_HG:
    NEED_INT("max-hostgroup", 1, 100000, o->max_hostgroup,
             "Argument to --max-hostgroup must be at least 1");
    return 0;
  case OPT_HOST_TIMEOUT:
    NEED_TIME("host-timeout", o->host_timeout_ms);
    return 0;
  case OPT_SCRIPT_TIMEOUT:
    NEED_TIME("script-timeout", o->script_timeout_ms);
    return 0;
  case OPT_MIN_RTT:
    NEED_TIME("min-rtt-timeout", o->min_rtt_timeout_ms);
    return 0;
  case OPT_MAX_RTT:
    NEED_TIME("max-rtt-timeout", o->max_rtt_timeout_ms);
    if (o->max_rtt_timeout_ms < 1)
      return fail(ca, PT_ERANGE, 0,
                  "max-rtt-timeout is given in milliseconds and must be at "
                  "least 1");
    return 0;
  case OPT_INIT_RTT:
    NEED_TIME("initial-rtt-timeout", o->initial_rtt_timeout_ms);
    if (o->initial_rtt_timeout_ms < 1)
      return fail(ca, PT_ERANGE, 0,
                  "initial-rtt-timeout must be at least 1 millisecond");
    return 0;
  case OPT_SCAN_DELAY:
    NEED_TIME("scan-delay", o->scan_delay_ms);
    return 0;
  case OPT_MAX_SCAN_DELAY:
    NEED_TIME("max-scan-delay", o->max_scan_delay_ms);
    return 0;
  case OPT_STATS_EVERY: {
    int64_t t;
    if (cliargs_parse_time(optarg, &t) != 0 || t > INT_MAX)
      return fail(ca, PT_EPARSE, 0,
                  "Bogus --stats-every argument specified: \"%s\"", optarg);
    o->stats_every_ms = (int)t;
    return 0;
  }
  case OPT_SCRIPT:
    /* Nmap joins repeated --script options with commas. */
    if (o->script_spec != NULL) {
      char *j = xasprintf("%s,%s", o->script_spec, optarg);
      free(o->script_spec);
      o->script_spec = j;
    } else {
      o->script_spec = xstrdup(optarg);
    }
    o->script_scan = 1;
    return 0;
  case OPT_SCRIPT_ARGS:
    set_str(&o->script_args, optarg);
    return 0;
  case OPT_SCRIPT_ARGS_FILE:
    set_str(&o->script_args_file, optarg);
    return 0;
  case OPT_SCRIPT_TRACE:
    o->script_trace = 1;
    return 0;
  case OPT_SCRIPT_UPDATEDB:
    o->script_updatedb = 1;
    return 0;
  case OPT_SCRIPT_HELP:
    set_str(&o->script_help, optarg);
    return 0;
  case OPT_SCRIPT_THREADS:
    NEED_INT("script-max-threads", 1, 100000, o->max_script_threads,
             "--script-max-threads must be an integer 1 or greater");
    return 0;
  case OPT_SCRIPT_MEM:
    if (cliargs_parse_size(optarg, &sz) != 0 || sz == 0)
      return fail(ca, PT_EPARSE, 0,
                  "Bogus --script-mem-limit argument specified: \"%s\" "
                  "(bytes, or a number with K, M or G)",
                  optarg);
    o->script_mem_limit = sz;
    return 0;
  case OPT_DATADIR:
    set_str(&o->datadir, optarg);
    return 0;
  case OPT_APPEND:
    o->append_output = 1;
    return 0;
  case OPT_REASON:
    o->reason = 1;
    return 0;
  case OPT_OPEN:
    o->open_only = 1;
    return 0;
  case OPT_EXCLUDE:
    add_excludes(&o->exclude, optarg);
    return 0;
  case OPT_EXCLUDEFILE:
    set_str(&o->exclude_file, optarg);
    return 0;
  case OPT_DNS_SERVERS:
    set_str(&o->dns_servers, optarg);
    return 0;
  case OPT_VERSION:
    ca->action = CLIARGS_VERSION;
    return 0;
  case OPT_HELP:
    ca->action = CLIARGS_HELP;
    return 0;
  case OPT_PACKET_TRACE:
    o->packet_trace = 1;
    return 0;
  case OPT_RANDOMIZE:
    o->randomize_hosts = 1;
    return 0;
  case OPT_SHARD:
    if (check_shard(optarg) != 0)
      return fail(ca, PT_EPARSE, 0,
                  "Bogus --shard argument \"%s\": use I/N with 1 <= I <= N",
                  optarg);
    set_str(&o->shard, optarg);
    return 0;
  case OPT_VERSION_INTENSITY:
    NEED_INT("version-intensity", 0, 9, o->version_intensity,
             "version-intensity must be between 0 and 9");
    return 0;
  case OPT_VERSION_LIGHT:
    o->version_intensity = 2;
    return 0;
  case OPT_VERSION_ALL:
    o->version_intensity = 9;
    return 0;
  case OPT_STYLESHEET:
    set_str(&o->stylesheet, optarg);
    return 0;
  case OPT_NO_STYLESHEET:
    o->no_stylesheet = 1;
    return 0;
  case OPT_OUT_N:
    return parse_output('N', optarg, o, ca);
  case OPT_OUT_X:
    return parse_output('X', optarg, o, ca);
  case OPT_OUT_G:
    return parse_output('G', optarg, o, ca);
  case OPT_OUT_J:
    return parse_output('J', optarg, o, ca);
  case OPT_OUT_A:
    return parse_output('A', optarg, o, ca);
  case OPT_OUT_S:
    return parse_output('S', optarg, o, ca);
  case OPT_INPUT_LIST:
    if (optarg[0] == '\0')
      return fail(ca, PT_EPARSE, 0, "Empty file name given to -iL");
    set_str(&o->input_file, optarg);
    return 0;
  case OPT_IGNORED:
    return 0;
  default:
    return fail(ca, PT_EPARSE, 1, "internal: unhandled option %d", c);
  }
}

/* Handles one short option. */
static int short_option(int c, struct scan_opts *o, struct cliargs *ca) {
  int lvl;
  switch (c) {
  case '4':
    o->af = AF_INET;
    return 0;
  case '6':
    o->af = AF_INET6;
    return 0;
  case 'A':
    o->version_detect = 1;
    o->script_scan = 1;
    o->script_default = 1;
    strlist_add(&ca->warnings,
                "-A: OS detection and traceroute are not supported yet; "
                "running -sV -sC only.");
    return 0;
  case 'd':
    if (parse_level(optarg, 'd', o->debugging, &lvl) != 0)
      return fail(ca, PT_EPARSE, 0, "Invalid argument to -d: \"%s\".", optarg);
    /* As in Nmap, -d also raises verbosity: each bare -d adds one level,
     * -dN sets both to N. */
    if (optarg != NULL && optarg[0] >= '0' && optarg[0] <= '9')
      o->verbosity = lvl;
    else if (o->verbosity < 10)
      o->verbosity += lvl - o->debugging;
    o->debugging = lvl;
    return 0;
  case 'v':
    if (parse_level(optarg, 'v', o->verbosity, &lvl) != 0)
      return fail(ca, PT_EPARSE, 0, "Invalid argument to -v: \"%s\".", optarg);
    o->verbosity = lvl;
    return 0;
  case 'F':
    o->fast = 1;
    return 0;
  case 'r':
    o->no_randomize_ports = 1; /* scan ports in order */
    return 0;
  case 'h':
    ca->action = CLIARGS_HELP;
    return 0;
  case 'V':
    ca->action = CLIARGS_VERSION;
    return 0;
  case 'n':
    o->no_resolve = 1;
    o->always_resolve = 0;
    return 0;
  case 'R':
    o->always_resolve = 1;
    o->no_resolve = 0;
    return 0;
  case 'O':
    return fail(ca, PT_EUNSUPPORTED, 0,
                "OS detection (-O) is not supported yet");
  case 'P':
    if (strcmp(optarg, "n") == 0 || strcmp(optarg, "0") == 0 ||
        strcmp(optarg, "N") == 0) {
      o->skip_discovery = 1;
      return 0;
    }
    return fail(ca, PT_EUNSUPPORTED, 0,
                "Discovery option -P%s is not supported yet (use -Pn, or "
                "the default TCP connect discovery)",
                optarg);
  case 'p':
    if (optarg[0] == '\0')
      return fail(ca, PT_EPARSE, 0, "Your port specification is empty");
    set_str(&o->ports, optarg);
    return 0;
  case 's':
    return parse_scan_type(optarg, o, ca);
  case 'T': {
    int t = parse_timing(optarg);
    if (t < 0)
      return fail(ca, PT_EPARSE, 0,
                  "Unknown timing mode (-T argument) \"%s\".  Use either "
                  "\"Paranoid\", \"Sneaky\", \"Polite\", \"Normal\", "
                  "\"Aggressive\", \"Insane\" or a number from 0 (Paranoid) "
                  "to 5 (Insane)",
                  optarg);
    o->timing = t;
    return 0;
  }
  default:
    return fail(ca, PT_EPARSE, 1, "internal: unhandled option '%c'", c);
  }
}

/* Combinations refused after all options are known. */
static int check_combinations(struct scan_opts *o, struct cliargs *ca) {
  if (o->list_scan && (o->ping_only || o->scan_types != 0))
    return fail(ca, PT_EPARSE, 0,
                "Sorry, the list scan (-sL) cannot be combined with other "
                "scan types");
  if (o->ping_only && o->scan_types != 0)
    return fail(ca, PT_EPARSE, 0,
                "-sn (ping scan) cannot be combined with port scan types");
  if ((o->ping_only || o->list_scan) && (o->ports || o->fast || o->top_ports))
    strlist_add(&ca->warnings, "Port options are ignored with -sn and -sL.");
  if (o->ports != NULL && (o->fast || o->top_ports))
    return fail(ca, PT_EPARSE, 0,
                "You cannot use -F (fast scan) or --top-ports with -p "
                "(explicit port selection)");
  if (o->fast && o->top_ports)
    return fail(ca, PT_EPARSE, 0,
                "You cannot use -F (fast scan) with --top-ports");
  if (o->min_rate > 0 && o->max_rate > 0 && o->min_rate > o->max_rate)
    return fail(ca, PT_ERANGE, 0,
                "--min-rate=%g must be less than or equal to --max-rate=%g",
                o->min_rate, o->max_rate);
  if (o->min_hostgroup && o->max_hostgroup &&
      o->min_hostgroup > o->max_hostgroup)
    return fail(ca, PT_ERANGE, 0,
                "--min-hostgroup must be less than or equal to "
                "--max-hostgroup");
  if (o->min_parallelism && o->max_parallelism &&
      o->min_parallelism > o->max_parallelism)
    return fail(ca, PT_ERANGE, 0,
                "--min-parallelism must be less than or equal to "
                "--max-parallelism");
  if (o->min_rtt_timeout_ms > 0 && o->max_rtt_timeout_ms > 0 &&
      o->min_rtt_timeout_ms > o->max_rtt_timeout_ms)
    return fail(ca, PT_ERANGE, 0,
                "--min-rtt-timeout must be less than or equal to "
                "--max-rtt-timeout");
  if (o->scan_types & SCAN_SYN)
    strlist_add(&ca->warnings,
                "SYN scan (-sS) is not supported yet; using a connect scan "
                "(-sT) instead.");
  /* -A already said what -sV does not do. */
  int said_a = ca->warnings.n > 0 && strncmp(ca->warnings.v[0], "-A:", 3) == 0;
  if (o->version_detect && !said_a)
    strlist_add(&ca->warnings,
                "Service version probes (-sV) are not supported yet; only "
                "version-category scripts and table service names apply.");
  return 0;
}

int cliargs_parse(int argc, char **argv, struct scan_opts *o,
                  struct cliargs *ca) {
  ca->action = CLIARGS_RUN;
  ca->err[0] = '\0';
  ca->err_usage = 0;
  opterr = 0;
  optind = 0; /* glibc: 0 re-initialises getopt's state (tests parse
                 many vectors in one process) */
  for (;;) {
    int idx = -1;
    int c = getopt_long_only(argc, argv, short_opts, long_opts, &idx);
    if (c == -1)
      break;
    const char *cur = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    int rc;
    if (c == '?') {
      if (optopt != 0 && optopt < 256)
        return fail(ca, PT_EPARSE, 1, "invalid option -- '%c'", optopt);
      return fail(ca, PT_EPARSE, 1, "unrecognized option '%s'", cur);
    }
    if (c == ':') {
      if (optopt != 0 && optopt < 256)
        return fail(ca, PT_EPARSE, 1, "option requires an argument -- '%c'",
                    optopt);
      return fail(ca, PT_EPARSE, 1, "option '%s' requires an argument", cur);
    }
    if (c >= 256) {
      rc = long_option(c, o, ca);
    } else {
      rc = short_option(c, o, ca);
    }
    if (rc != 0)
      return rc;
  }
  for (int i = optind; i < argc; i++) {
    if (argv[i][0] == '\0')
      continue;
    strlist_add(&o->targets, argv[i]);
  }
  if (ca->action != CLIARGS_RUN)
    return 0;
  return check_combinations(o, ca);
}

void cliargs_free(struct cliargs *ca) {
  strlist_free(&ca->warnings);
}
