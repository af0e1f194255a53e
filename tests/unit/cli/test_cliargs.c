/* Option parsing: tables of good and bad command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cli/cliargs.h"
#include "core/errcode.h"

#define MAXARGS 16

/* Parses a NULL-terminated vector (program name added). */
static int parse(const char *const *args, struct scan_opts *o,
                 struct cliargs *ca) {
  char *argv[MAXARGS + 2];
  int argc = 0;
  argv[argc++] = (char *)"portolan";
  for (size_t i = 0; args[i] != NULL && argc <= MAXARGS; i++)
    argv[argc++] = (char *)args[i];
  argv[argc] = NULL;
  opts_init(o);
  memset(ca, 0, sizeof *ca);
  return cliargs_parse(argc, argv, o, ca);
}

struct bad_case {
  const char *args[6];
  const char *expect; /* substring of the message */
  int usage;          /* the -h hint applies */
};

static const struct bad_case bad_cases[] = {
    {{"--foo", NULL}, "unrecognized option '--foo'", 1},
    {{"-sT", "--no-such-thing", "x", NULL}, "--no-such-thing", 1},
    {{"-Z", NULL}, "unrecognized option '-Z'", 1},
    {{"-p", NULL}, "requires an argument", 1},
    {{"--script", NULL}, "requires an argument", 1},
    {{"-oX", NULL}, "requires an argument", 1},
    {{"-iL", NULL}, "requires an argument", 1},
    {{"--max-retries", "abc", NULL}, "abc", 0},
    {{"--max-retries", "-1", NULL}, "max-retries", 0},
    {{"--max-retries", "3x", NULL}, "3x", 0},
    {{"--max-retries", "", NULL}, "max-retries", 0},
    {{"--max-retries", "99999999999999999999", NULL}, "max-retries", 0},
    {{"--host-timeout", "5x", NULL}, "Bogus --host-timeout argument", 0},
    {{"--host-timeout", "-5s", NULL}, "Bogus --host-timeout", 0},
    {{"--host-timeout", "s", NULL}, "Bogus --host-timeout", 0},
    {{"--host-timeout", "1e400", NULL}, "Bogus --host-timeout", 0},
    {{"--host-timeout", "nan", NULL}, "Bogus --host-timeout", 0},
    {{"--script-timeout", "10y", NULL}, "Bogus --script-timeout", 0},
    {{"--scan-delay", "1.5.2s", NULL}, "Bogus --scan-delay", 0},
    {{"--stats-every", "x", NULL}, "Bogus --stats-every", 0},
    {{"-T9", NULL}, "Unknown timing mode", 0},
    {{"-Tfoo", NULL}, "Unknown timing mode", 0},
    {{"-T", "", NULL}, "Unknown timing mode", 0},
    {{"-T44", NULL}, "Unknown timing mode", 0},
    {{"--min-rate", "x", NULL}, "--min-rate must be a positive", 0},
    {{"--min-rate", "0", NULL}, "--min-rate must be a positive", 0},
    {{"--max-rate", "-3", NULL}, "--max-rate must be a positive", 0},
    {{"--min-rate", "100", "--max-rate", "10", NULL}, "--min-rate", 0},
    {{"--top-ports", "0", NULL}, "--top-ports should be an integer", 0},
    {{"--top-ports", "x", NULL}, "--top-ports should be an integer", 0},
    {{"--min-hostgroup", "0", NULL}, "min-hostgroup", 0},
    {{"--min-hostgroup", "9", "--max-hostgroup", "3", NULL}, "hostgroup", 0},
    {{"--max-parallelism", "none", NULL}, "max-parallelism", 0},
    {{"--version-intensity", "10", NULL}, "version-intensity", 0},
    {{"--port-ratio", "2", NULL}, "port-ratio", 0},
    {{"--shard", "3/2", NULL}, "Bogus --shard", 0},
    {{"--shard", "0/2", NULL}, "Bogus --shard", 0},
    {{"--shard", "1/", NULL}, "Bogus --shard", 0},
    {{"--shard", "x", NULL}, "Bogus --shard", 0},
    {{"--script-mem-limit", "12Q", NULL}, "script-mem-limit", 0},
    {{"--script-mem-limit", "0", NULL}, "script-mem-limit", 0},
    {{"--script-max-threads", "0", NULL}, "script-max-threads", 0},
    {{"-v3x", NULL}, "Invalid argument to -v", 0},
    {{"-vx", NULL}, "Invalid argument to -v", 0},
    {{"-d99", NULL}, "Invalid argument to -d", 0},
    {{"-sU", NULL}, "not supported yet", 0},
    {{"-sZ", NULL}, "-sZ", 0},
    {{"-sTT", NULL}, "-sTT", 0},
    {{"-O", NULL}, "not supported yet", 0},
    {{"-PS", NULL}, "-PS", 0},
    {{"-oA", "-", NULL}, "stdout", 0},
    {{"-oS", "x", NULL}, "not supported", 0},
    {{"-sL", "-sT", NULL}, "list scan", 0},
    {{"-sn", "-sT", NULL}, "-sn", 0},
    {{"-p", "80", "-F", NULL}, "-F", 0},
    {{"-F", "--top-ports", "5", NULL}, "-F", 0},
    {{"--min-rtt-timeout", "5s", "--max-rtt-timeout", "1s", NULL}, "rtt", 0},
    {{"--max-rtt-timeout", "0", NULL}, "max-rtt-timeout", 0},
};

static void test_bad(void **state) {
  (void)state;
  int failures = 0;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const struct bad_case *c = &bad_cases[i];
    struct scan_opts o;
    struct cliargs ca;
    int rc = parse(c->args, &o, &ca);
    if (rc == 0 || strstr(ca.err, c->expect) == NULL ||
        ca.err_usage != c->usage || strchr(ca.err, '\n') != NULL) {
      print_error("case %zu (%s %s): rc=%d err=\"%s\" usage=%d\n", i,
                  c->args[0], c->args[1] ? c->args[1] : "", rc, ca.err,
                  ca.err_usage);
      failures++;
    }
    cliargs_free(&ca);
    opts_free(&o);
  }
  assert_int_equal(failures, 0);
}

static void test_scan_types_and_targets(void **state) {
  (void)state;
  struct scan_opts o;
  struct cliargs ca;
  const char *a[] = {"127.0.0.1", "-sT",         "-Pn", "-n", "-r",
                     "-p80,443",  "10.0.0.0/30", "-sV", NULL};
  assert_int_equal(parse(a, &o, &ca), 0);
  assert_int_equal(ca.action, CLIARGS_RUN);
  assert_true(o.no_randomize_ports);
  assert_int_equal(o.scan_types, SCAN_CONNECT);
  assert_true(o.skip_discovery);
  assert_true(o.no_resolve);
  assert_true(o.version_detect);
  assert_string_equal(o.ports, "80,443");
  assert_int_equal(o.targets.n, 2);
  assert_string_equal(o.targets.v[0], "127.0.0.1");
  assert_string_equal(o.targets.v[1], "10.0.0.0/30");
  cliargs_free(&ca);
  opts_free(&o);

  const char *b[] = {"-sS", "-p", "1-100", "--exclude-ports", "22", "x", NULL};
  assert_int_equal(parse(b, &o, &ca), 0);
  assert_int_equal(o.scan_types, SCAN_SYN);
  assert_string_equal(o.ports, "1-100");
  assert_string_equal(o.exclude_ports, "22");
  assert_int_equal(ca.warnings.n, 1); /* SYN falls back to connect */
  assert_non_null(strstr(ca.warnings.v[0], "-sS"));
  cliargs_free(&ca);
  opts_free(&o);

  const char *c[] = {"-sL", "-6", "::1", NULL};
  assert_int_equal(parse(c, &o, &ca), 0);
  assert_true(o.list_scan);
  assert_int_equal(o.af, AF_INET6);
  cliargs_free(&ca);
  opts_free(&o);

  const char *d[] = {"-sn", "-p-", NULL};
  assert_int_equal(parse(d, &o, &ca), 0);
  assert_true(o.ping_only);
  assert_string_equal(o.ports, "-");
  cliargs_free(&ca);
  opts_free(&o);
}

static void test_timing(void **state) {
  (void)state;
  static const struct {
    const char *arg;
    int t;
  } cases[] = {{"-T0", 0},        {"-T5", 5},          {"-T4", 4},
               {"-Tparanoid", 0}, {"-TAggressive", 4}, {"-Tinsane", 5},
               {"-Tpolite", 2},   {"-TNormal", 3},     {"-Tsneaky", 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct scan_opts o;
    struct cliargs ca;
    const char *a[] = {cases[i].arg, NULL};
    assert_int_equal(parse(a, &o, &ca), 0);
    assert_int_equal(o.timing, cases[i].t);
    cliargs_free(&ca);
    opts_free(&o);
  }
}

static void test_times(void **state) {
  (void)state;
  static const struct {
    const char *s;
    int64_t ms;
  } good[] = {{"30s", 30000}, {"500ms", 500}, {"2m", 120000}, {"1h", 3600000},
              {"5", 5000},    {"0.5", 500},   {"1.5s", 1500}, {"0", 0}};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    int64_t ms = -7;
    assert_int_equal(cliargs_parse_time(good[i].s, &ms), 0);
    assert_int_equal(ms, good[i].ms);
  }
  static const char *const bad[] = {"",   "x",   "5x",  "-1",  "1s2",
                                    "ms", "5 s", "inf", "1e30"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t ms;
    if (cliargs_parse_time(bad[i], &ms) == 0)
      fail_msg("time \"%s\" accepted", bad[i]);
  }

  struct scan_opts o;
  struct cliargs ca;
  const char *a[] = {"--host-timeout",
                     "30s",
                     "--script-timeout=2m",
                     "--scan-delay",
                     "500ms",
                     "--initial-rtt-timeout",
                     "250ms",
                     "--stats-every",
                     "1s",
                     NULL};
  assert_int_equal(parse(a, &o, &ca), 0);
  assert_int_equal(o.host_timeout_ms, 30000);
  assert_int_equal(o.script_timeout_ms, 120000);
  assert_int_equal(o.scan_delay_ms, 500);
  assert_int_equal(o.initial_rtt_timeout_ms, 250);
  assert_int_equal(o.stats_every_ms, 1000);
  cliargs_free(&ca);
  opts_free(&o);
}

static void test_sizes(void **state) {
  (void)state;
  size_t b;
  assert_int_equal(cliargs_parse_size("100", &b), 0);
  assert_int_equal(b, 100);
  assert_int_equal(cliargs_parse_size("64M", &b), 0);
  assert_int_equal(b, 64u << 20);
  assert_int_equal(cliargs_parse_size("2k", &b), 0);
  assert_int_equal(b, 2048);
  assert_int_equal(cliargs_parse_size("1GB", &b), 0);
  assert_int_equal(b, 1u << 30);
  assert_int_not_equal(cliargs_parse_size("-1", &b), 0);
  assert_int_not_equal(cliargs_parse_size("1MBB", &b), 0);
  assert_int_not_equal(cliargs_parse_size("99999999999999999999", &b), 0);
}

static void test_levels(void **state) {
  (void)state;
  static const struct {
    const char *args[4];
    int v, d;
  } cases[] = {
      {{"-v", NULL}, 1, 0},
      {{"-vv", NULL}, 2, 0},
      {{"-v3", NULL}, 3, 0},
      {{"-v", "-v", NULL}, 2, 0},
      /* -d raises verbosity too; -dN sets both (checked against Nmap's
       * <verbose>/<debugging> XML levels). */
      {{"-d", NULL}, 1, 1},
      {{"-d2", NULL}, 2, 2},
      {{"-dd", "-v", NULL}, 3, 2},
      {{"-vvv", "-d", NULL}, 4, 1},
      {{"-v3", "-d0", NULL}, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct scan_opts o;
    struct cliargs ca;
    assert_int_equal(parse(cases[i].args, &o, &ca), 0);
    assert_int_equal(o.verbosity, cases[i].v);
    assert_int_equal(o.debugging, cases[i].d);
    cliargs_free(&ca);
    opts_free(&o);
  }
}

static void test_outputs(void **state) {
  (void)state;
  struct scan_opts o;
  struct cliargs ca;
  const char *a[] = {"-oA",      "base",   "-oJ", "-", "--append-output",
                     "--reason", "--open", NULL};
  assert_int_equal(parse(a, &o, &ca), 0);
  assert_string_equal(o.out_normal, "base.nmap");
  assert_string_equal(o.out_xml, "base.xml");
  assert_string_equal(o.out_grep, "base.gnmap");
  assert_string_equal(o.out_json, "-"); /* later option wins */
  assert_true(o.append_output);
  assert_true(o.reason);
  assert_true(o.open_only);
  cliargs_free(&ca);
  opts_free(&o);

  const char *b[] = {
      "-oN",   "n.txt",           "-oX", "-", "-oG", "g", "--stylesheet",
      "s.xsl", "--no-stylesheet", NULL};
  assert_int_equal(parse(b, &o, &ca), 0);
  assert_string_equal(o.out_normal, "n.txt");
  assert_string_equal(o.out_xml, "-");
  assert_string_equal(o.out_grep, "g");
  assert_string_equal(o.stylesheet, "s.xsl");
  assert_true(o.no_stylesheet);
  cliargs_free(&ca);
  opts_free(&o);
}

static void test_scripts_and_misc(void **state) {
  (void)state;
  struct scan_opts o;
  struct cliargs ca;
  const char *a[] = {"--script",
                     "banner",
                     "--script=default,safe",
                     "--script-args",
                     "a=1,b=2",
                     "--script-args-file",
                     "f",
                     "--script-trace",
                     "--datadir",
                     "/d",
                     "--script-max-threads",
                     "5",
                     "--script-mem-limit",
                     "64M",
                     NULL};
  assert_int_equal(parse(a, &o, &ca), 0);
  assert_true(o.script_scan);
  assert_false(o.script_default);
  assert_string_equal(o.script_spec, "banner,default,safe");
  assert_string_equal(o.script_args, "a=1,b=2");
  assert_string_equal(o.script_args_file, "f");
  assert_true(o.script_trace);
  assert_string_equal(o.datadir, "/d");
  assert_int_equal(o.max_script_threads, 5);
  assert_int_equal(o.script_mem_limit, 64u << 20);
  cliargs_free(&ca);
  opts_free(&o);

  const char *b[] = {"-A",
                     "-iL",
                     "list.txt",
                     "--exclude",
                     "1.2.3.4,10.0.0.0/8",
                     "--excludefile",
                     "ex",
                     NULL};
  assert_int_equal(parse(b, &o, &ca), 0);
  assert_true(o.version_detect);
  assert_true(o.script_default);
  assert_true(o.script_scan);
  assert_string_equal(o.input_file, "list.txt");
  assert_int_equal(o.exclude.n, 2);
  assert_string_equal(o.exclude.v[1], "10.0.0.0/8");
  assert_string_equal(o.exclude_file, "ex");
  assert_true(ca.warnings.n >= 1);
  assert_non_null(strstr(ca.warnings.v[0], "OS detection"));
  cliargs_free(&ca);
  opts_free(&o);

  const char *c[] = {"--shard",   "2/4", "--randomize-hosts", "--dns-servers",
                     "127.0.0.1", "-R",  "--packet-trace",    "--top-ports",
                     "20",        NULL};
  assert_int_equal(parse(c, &o, &ca), 0);
  assert_string_equal(o.shard, "2/4");
  assert_true(o.randomize_hosts);
  assert_string_equal(o.dns_servers, "127.0.0.1");
  assert_true(o.always_resolve);
  assert_true(o.packet_trace);
  assert_int_equal(o.top_ports, 20);
  cliargs_free(&ca);
  opts_free(&o);

  const char *d[] = {"--min-rate",
                     "100",
                     "--max-rate",
                     "1000.5",
                     "--max-retries",
                     "2",
                     "--min-parallelism",
                     "10",
                     "--max-parallelism",
                     "100",
                     "--min-hostgroup",
                     "8",
                     "--max-hostgroup",
                     "64",
                     NULL};
  assert_int_equal(parse(d, &o, &ca), 0);
  assert_true(o.min_rate == 100.0);
  assert_true(o.max_rate == 1000.5);
  assert_int_equal(o.max_retries, 2);
  assert_int_equal(o.min_parallelism, 10);
  assert_int_equal(o.max_parallelism, 100);
  assert_int_equal(o.min_hostgroup, 8);
  assert_int_equal(o.max_hostgroup, 64);
  cliargs_free(&ca);
  opts_free(&o);
}

static void test_actions(void **state) {
  (void)state;
  static const struct {
    const char *args[3];
    enum cliargs_action act;
  } cases[] = {
      {{"-h", NULL}, CLIARGS_HELP},
      {{"--help", NULL}, CLIARGS_HELP},
      {{"-V", NULL}, CLIARGS_VERSION},
      {{"--version", NULL}, CLIARGS_VERSION},
      {{"127.0.0.1", NULL}, CLIARGS_RUN},
      {{NULL}, CLIARGS_RUN},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct scan_opts o;
    struct cliargs ca;
    assert_int_equal(parse(cases[i].args, &o, &ca), 0);
    assert_int_equal(ca.action, cases[i].act);
    cliargs_free(&ca);
    opts_free(&o);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad),
      cmocka_unit_test(test_scan_types_and_targets),
      cmocka_unit_test(test_timing),
      cmocka_unit_test(test_times),
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_levels),
      cmocka_unit_test(test_outputs),
      cmocka_unit_test(test_scripts_and_misc),
      cmocka_unit_test(test_actions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
