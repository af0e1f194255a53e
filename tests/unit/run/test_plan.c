/* From options to the port list, host group size and target stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/errcode.h"
#include "core/services.h"
#include "run/plan.h"

static int setup(void **state) {
  (void)state;
  services_load();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  services_free();
  return 0;
}

static void test_ports(void **state) {
  (void)state;
  struct scan_opts o;
  struct portlist pl;
  char err[256];

  opts_init(&o);
  o.ports = strdup("22,80-82,443");
  o.exclude_ports = strdup("81");
  assert_int_equal(plan_ports(&o, &pl, err, sizeof err), 0);
  assert_int_equal(pl.n[PROTO_TCP], 4);
  assert_int_equal(pl.ports[PROTO_TCP][0], 22);
  assert_int_equal(pl.ports[PROTO_TCP][1], 80);
  assert_int_equal(pl.ports[PROTO_TCP][2], 82);
  assert_int_equal(pl.ports[PROTO_TCP][3], 443);
  assert_int_equal(pl.n[PROTO_UDP], 0);
  portlist_free(&pl);
  opts_free(&o);

  /* Defaults: 1000 ports, -F 100, --top-ports N. */
  opts_init(&o);
  assert_int_equal(plan_ports(&o, &pl, err, sizeof err), 0);
  assert_int_equal(portlist_total(&pl), 1000);
  portlist_free(&pl);
  o.fast = 1;
  assert_int_equal(plan_ports(&o, &pl, err, sizeof err), 0);
  assert_int_equal(portlist_total(&pl), 100);
  portlist_free(&pl);
  o.fast = 0;
  o.top_ports = 7;
  assert_int_equal(plan_ports(&o, &pl, err, sizeof err), 0);
  assert_int_equal(portlist_total(&pl), 7);
  portlist_free(&pl);
  opts_free(&o);
}

static void test_bad_ports(void **state) {
  (void)state;
  static const char *const bad[] = {"99999", "1-70000", "80-",  "x-y",
                                    "T:",    ",,,",     "1-2-3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct scan_opts o;
    struct portlist pl;
    char err[256] = "";
    opts_init(&o);
    o.ports = strdup(bad[i]);
    int rc = plan_ports(&o, &pl, err, sizeof err);
    /* "80-" is Nmap's open range (80-65535): valid. */
    if (strcmp(bad[i], "80-") == 0) {
      assert_int_equal(rc, 0);
      assert_int_equal(portlist_total(&pl), 65535 - 80 + 1);
      portlist_free(&pl);
    } else {
      if (rc == 0)
        fail_msg("port spec \"%s\" accepted", bad[i]);
      assert_true(err[0] != '\0');
      assert_null(strchr(err, '\n'));
    }
    opts_free(&o);
  }

  /* Excluding every port leaves nothing to scan: an error. */
  struct scan_opts o;
  struct portlist pl;
  char err[256] = "";
  opts_init(&o);
  o.ports = strdup("80");
  o.exclude_ports = strdup("1-65535");
  assert_int_not_equal(plan_ports(&o, &pl, err, sizeof err), 0);
  assert_non_null(strstr(err, "No ports"));
  opts_free(&o);
}

static void test_group_size(void **state) {
  (void)state;
  struct scan_opts o;
  opts_init(&o);
  unsigned few = plan_group_size(&o, 3);
  unsigned many = plan_group_size(&o, 1000);
  unsigned all = plan_group_size(&o, 65535);
  assert_true(few >= many);
  assert_true(many >= all);
  assert_true(all >= 1);
  o.max_hostgroup = 5;
  assert_int_equal(plan_group_size(&o, 3), 5);
  o.max_hostgroup = 0;
  o.min_hostgroup = 100000;
  assert_int_equal(plan_group_size(&o, 65535), 100000);
  opts_free(&o);
}

static void test_targets_errors(void **state) {
  (void)state;
  struct scan_opts o;
  struct target_stream *ts = NULL;
  char err[512] = "";

  opts_init(&o);
  o.input_file = strdup("/nonexistent/portolan-targets");
  assert_int_not_equal(plan_targets(&o, &ts, err, sizeof err), 0);
  assert_null(ts);
  assert_non_null(strstr(err, "Failed to open input file"));
  opts_free(&o);

  opts_init(&o);
  o.exclude_file = strdup("/nonexistent/portolan-excl");
  err[0] = '\0';
  assert_int_not_equal(plan_targets(&o, &ts, err, sizeof err), 0);
  assert_non_null(strstr(err, "/nonexistent/portolan-excl"));
  opts_free(&o);

  /* A bad command-line target is skipped (warned), not fatal. */
  opts_init(&o);
  strlist_add(&o.targets, "127.0.0.1");
  strlist_add(&o.targets, "1.2.3.4/99x");
  assert_int_equal(plan_targets(&o, &ts, err, sizeof err), 0);
  struct target t;
  memset(&t, 0, sizeof t);
  assert_int_equal(target_stream_next(ts, &t, NULL, NULL), 1);
  assert_int_equal(t.kind, TARGET_ADDR);
  target_clear(&t);
  target_stream_free(ts);
  opts_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ports),
      cmocka_unit_test(test_bad_ports),
      cmocka_unit_test(test_group_size),
      cmocka_unit_test(test_targets_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
