/* Drives the engine (engine.h) directly on a libuv loop: pre-scan scripts
 * from tests/integration/nse/, output conversion, errors, scheduling
 * (workers, mutex, condvar, nested coroutines with sleep), runlevels,
 * validation errors and script-args. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <uv.h>

#include "core/datapath.h"
#include "core/log.h"
#include "core/options.h"
#include "core/xalloc.h"
#include "nse/engine.h"
#include "script_spec.h"

static char srcdir[4096];

struct run {
  struct script_results res;
  int done;
  int rc;
  char *err;
};

static void on_done_count(void *ud) {
  (*(int *)ud)++;
}

static void on_done(void *ud) {
  ((struct run *)ud)->done++;
}

/* Runs the pre-scan for --script spec (relative to the probe directory)
 * with optional --script-args. */
static void run_pre(struct run *r, const char *spec, const char *args,
                    int64_t timeout_ms) {
  memset(r, 0, sizeof *r);
  struct scan_opts o;
  opts_init(&o);
  o.script_scan = 1;
  /* A comma list: each element under tests/integration/nse/. */
  o.script_spec =
      spec[0] == '/'
          ? xstrdup(spec)
          : script_spec_join(srcdir, "tests/integration/nse", spec, "");
  if (args)
    o.script_args = xstrdup(args);
  o.script_timeout_ms = timeout_ms;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct nse_engine *e = NULL;
  r->rc = nse_engine_new(&e, &loop, &o, &r->err);
  if (r->rc == 0) {
    nse_engine_prescan(e, &r->res, on_done, r);
    for (int i = 0; i < 2000 && !r->done; i++)
      uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(r->done, 1);
  }
  nse_engine_free(e);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  opts_free(&o);
}

static void run_free(struct run *r) {
  sresults_clear(&r->res);
  free(r->res.items);
  free(r->err);
}

static const char *output_of(struct run *r, const char *id) {
  for (size_t i = 0; i < r->res.n; i++)
    if (strcmp(r->res.items[i]->id, id) == 0)
      return r->res.items[i]->output;
  return NULL;
}

static void expect_out(const char *mode, const char *want) {
  struct run r;
  char *args = xasprintf("outtest.mode=%s", mode);
  run_pre(&r, "out/outtest.nse", args, 0);
  free(args);
  assert_int_equal(r.rc, 0);
  const char *got = output_of(&r, "outtest");
  if (want == NULL) {
    assert_null(got);
  } else {
    assert_non_null(got);
    assert_string_equal(got, want);
  }
  run_free(&r);
}

static void test_output_shapes(void **state) {
  (void)state;
  expect_out("string", "single line");
  expect_out("lines", "line one\nline two\n");
  expect_out("table", "\n  a\n  b\n  \n    c\n    d\n    sub: \n      x: 1\n"
                      "  n: 5");
  expect_out("pair", "b");
  expect_out("false", "false");
  expect_out("number", "42");
  expect_out("empty", "");
  expect_out("nil", NULL);
  expect_out("tostring", "custom");
  expect_out("try", NULL);
  expect_out("yield", NULL);
}

static void test_structured(void **state) {
  (void)state;
  struct run r;
  run_pre(&r, "out/outtest.nse", "outtest.mode=table", 0);
  assert_int_equal(r.res.n, 1);
  struct snode *root = r.res.items[0]->structured;
  assert_non_null(root);
  assert_int_equal(root->kind, SNODE_TABLE);
  struct snode *a = root->first;
  assert_null(a->key);
  assert_string_equal(a->value, "a");
  struct snode *sub = a->next->next;
  assert_int_equal(sub->kind, SNODE_TABLE);
  assert_string_equal(sub->last->key, "sub");
  assert_string_equal(sub->next->key, "n");
  assert_string_equal(sub->next->value, "5");
  run_free(&r);

  run_pre(&r, "out/outtest.nse", "outtest.mode=pair", 0);
  root = r.res.items[0]->structured;
  assert_int_equal(root->kind, SNODE_ELEM);
  assert_null(root->key);
  assert_string_equal(root->value, "a");
  run_free(&r);

  run_pre(&r, "out/outtest.nse", "outtest.mode=string", 0);
  assert_null(r.res.items[0]->structured);
  run_free(&r);
}

static void test_errors(void **state) {
  (void)state;
  expect_out("error", "ERROR: Script execution failed (use -d to debug)");
  expect_out("undeclared", "ERROR: Script execution failed (use -d to debug)");
  struct run r;
  run_pre(&r, "out/outtest.nse", "outtest.mode=error", 0);
  assert_true(r.res.items[0]->flags & SRESULT_ERROR);
  run_free(&r);
}

static void test_sync(void **state) {
  (void)state;
  struct run r;
  run_pre(&r, "sched/sync.nse", NULL, 0);
  assert_int_equal(r.rc, 0);
  assert_non_null(output_of(&r, "sync"));
  assert_string_equal(output_of(&r, "sync"), "main,w1,w2,w3 42 end");
  run_free(&r);
}

static void test_runlevels(void **state) {
  (void)state;
  struct run r;
  run_pre(&r, "sched/depb.nse,sched/depa.nse", NULL, 0);
  assert_int_equal(r.rc, 0);
  assert_string_equal(output_of(&r, "depa"), "a");
  assert_string_equal(output_of(&r, "depb"), "b saw seen");
  run_free(&r);
}

static void expect_fail(const char *spec, const char *want_suffix) {
  struct run r;
  run_pre(&r, spec, NULL, 0);
  assert_true(r.rc < 0);
  assert_non_null(r.err);
  size_t n = strlen(r.err), m = strlen(want_suffix);
  if (n < m || strcmp(r.err + n - m, want_suffix) != 0)
    fail_msg("error '%s' does not end in '%s'", r.err, want_suffix);
  run_free(&r);
}

static void test_validation(void **state) {
  (void)state;
  expect_fail("bad/noaction.nse", "noaction.nse is missing required field: "
                                  "'action'");
  expect_fail("bad/norule.nse", "norule.nse is missing required function: "
                                "'rule'");
  expect_fail("bad/badrule.nse", "badrule.nse: prerule must be a function!");
  expect_fail("bad/badcat.nse", "badcat.nse field 'categories' is of improper "
                                "type 'string', expected type 'table'");
  expect_fail("bad/syntax.nse", "syntax.nse:3: 'end' expected (to close "
                                "'function' at line 1) near <eof>");
  expect_fail("bad/cyca.nse,bad/cycb.nse", "circular dependency in chain "
                                           "`cyca->cycb->cyca`");
  expect_fail("no/such.nse", "no/such.nse' did not match a category, "
                             "filename, or directory");
}

static void test_timeout(void **state) {
  (void)state;
  FILE *f = fopen("/tmp/portolan_nse_loop.nse", "w");
  assert_non_null(f);
  fputs("prerule = function() return true end\n"
        "action = function() local i = 0 while true do i = i + 1 end end\n",
        f);
  fclose(f);
  struct run r;
  memset(&r, 0, sizeof r);
  run_pre(&r, "/tmp/portolan_nse_loop.nse", NULL, 300);
  assert_int_equal(r.rc, 0);
  const char *out = output_of(&r, "portolan_nse_loop");
  assert_non_null(out);
  assert_string_equal(out, "ERROR: Script timed out after 0.3s");
  assert_true(r.res.items[0]->flags & SRESULT_TIMEOUT);
  run_free(&r);
  remove("/tmp/portolan_nse_loop.nse");
}

/* A fresh loop and an engine on it for the options o. */
static struct nse_engine *engine_open(uv_loop_t *loop, struct scan_opts *o) {
  uv_loop_init(loop);
  struct nse_engine *e = NULL;
  char *err = NULL;
  assert_int_equal(nse_engine_new(&e, loop, o, &err), 0);
  free(err);
  return e;
}

/* Frees the engine, then the n hosts, then the options; the loop must
 * close cleanly. */
static void engine_close(struct nse_engine *e, struct host **hosts, size_t n,
                         uv_loop_t *loop, struct scan_opts *o) {
  nse_engine_free(e);
  for (size_t i = 0; i < n; i++)
    host_free(hosts[i]);
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(loop), 0);
  opts_free(o);
}

/* A host at 127.0.0.1 + i. */
static struct host *loopback_host(uint32_t i) {
  struct sockaddr_in sin = {.sin_family = AF_INET};
  sin.sin_addr.s_addr = htonl(0x7f000001 + i);
  return host_new((struct sockaddr *)&sin, sizeof sin);
}

static void test_host_phase(void **state) {
  (void)state;
  struct scan_opts o;
  opts_init(&o);
  o.script_scan = 1;
  o.script_spec =
      xasprintf("%s/tests/integration/nse/host/hostport.nse,%s/tests/"
                "integration/nse/host/hostlate.nse",
                srcdir, srcdir);
  uv_loop_t loop;
  struct nse_engine *e = engine_open(&loop, &o);
  /* Two hosts in flight at once. */
  struct host *h[2];
  int done = 0;
  for (int i = 0; i < 2; i++) {
    h[i] = loopback_host((uint32_t)i);
    h[i]->status = HOST_UP;
    host_port_set(h[i], PROTO_TCP, 22, PS_OPEN, RSN_SYN_ACK, 64);
    host_port_set(h[i], PROTO_TCP, 23, PS_CLOSED, RSN_CONN_REFUSED, 64);
    host_port_set(h[i], PROTO_TCP, 8080, PS_OPEN, RSN_SYN_ACK, 64);
    host_port_set(h[i], PROTO_UDP, 53, PS_OPEN, RSN_UDP_RESPONSE, 64);
    nse_engine_host(e, h[i], on_done_count, &done);
  }
  for (int i = 0; i < 2000 && done < 2; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(done, 2);
  for (int i = 0; i < 2; i++) {
    struct port *p22 = host_port_get(h[i], PROTO_TCP, 22);
    assert_true(port_has_scripts(p22));
    assert_string_equal(port_scripts(p22)->items[0]->output,
                        "portrule 22 open syn-ack table 3.0 integer");
    assert_false(port_has_scripts(host_port_get(h[i], PROTO_TCP, 23)));
    assert_false(port_has_scripts(host_port_get(h[i], PROTO_UDP, 53)));
    sresults_sort(&h[i]->scripts);
    assert_int_equal(h[i]->scripts.n, 2);
    assert_string_equal(h[i]->scripts.items[0]->id, "hostlate");
    assert_string_equal(h[i]->scripts.items[0]->output, "seen=2 mine=nil");
    char want[64];
    snprintf(want, sizeof want, "hostrule %s \"\" 1.0 4", h[i]->ip);
    assert_string_equal(h[i]->scripts.items[1]->output, want);
  }
  engine_close(e, h, 2, &loop, &o);
}

/* nports portrule instances on one host: all run, at most `peak` at once
 * (the default limit of 1000, or --script-max-threads). */
static void check_limit(uint16_t nports, int max_threads, const char *want) {
  struct scan_opts o;
  opts_init(&o);
  o.max_script_threads = max_threads;
  o.script_scan = 1;
  o.script_spec = xasprintf("%s/tests/integration/nse/host/many.nse", srcdir);
  uv_loop_t loop;
  struct nse_engine *e = engine_open(&loop, &o);
  struct host *h = loopback_host(0);
  for (uint16_t p = 1; p <= nports; p++)
    host_port_set(h, PROTO_TCP, p, PS_OPEN, RSN_SYN_ACK, 64);
  int done = 0;
  nse_engine_host(e, h, on_done_count, &done);
  for (int i = 0; i < 5000 && done < 1; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(done, 1);
  struct script_results post = {0};
  nse_engine_postscan(e, &post, on_done_count, &done);
  for (int i = 0; i < 5000 && done < 2; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(done, 2);
  assert_int_equal(post.n, 1);
  assert_string_equal(post.items[0]->output, want);
  sresults_clear(&post);
  free(post.items);
  engine_close(e, &h, 1, &loop, &o);
}

/* --host-timeout: the host's NSE clock expires, its threads end without
 * output and the host is marked timed out (NSE-NOTES §5.7). */
static void test_host_timeout(void **state) {
  (void)state;
  struct scan_opts o;
  opts_init(&o);
  o.script_scan = 1;
  o.host_timeout_ms = 300;
  o.script_spec = xasprintf("%s/tests/integration/nse/host/slow.nse", srcdir);
  uv_loop_t loop;
  struct nse_engine *e = engine_open(&loop, &o);
  struct host *h = loopback_host(0);
  int done = 0;
  uint64_t t0 = uv_now(&loop);
  nse_engine_host(e, h, on_done_count, &done);
  for (int i = 0; i < 2000 && done < 1; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(done, 1);
  assert_true(uv_now(&loop) - t0 < 5000);
  assert_int_equal(h->timed_out, 1);
  assert_int_equal(h->scripts.n, 0);
  engine_close(e, &h, 1, &loop, &o);
}

static void test_concurrency_limit(void **state) {
  (void)state;
  check_limit(1200, 0, "count=1200 peak=1000");
  check_limit(50, 10, "count=50 peak=10");
}

int main(void) {
  const char *s = getenv("PORTOLAN_SRCDIR");
  snprintf(srcdir, sizeof srcdir, "%s", s ? s : ".");
  datapath_init("/proc/self/exe", srcdir);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_output_shapes),
      cmocka_unit_test(test_structured),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_sync),
      cmocka_unit_test(test_runlevels),
      cmocka_unit_test(test_validation),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_host_phase),
      cmocka_unit_test(test_concurrency_limit),
      cmocka_unit_test(test_host_timeout),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  datapath_free();
  return rc;
}
