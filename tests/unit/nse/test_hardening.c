/* The engine's limits and progress (issue #5), driven directly on a libuv
 * loop with the hostile probe scripts of tests/integration/nse/hostile/:
 * the per-instance memory cap (two instances that each fit under the cap
 * together exceed it), time slices (a sleeper finishes while a CPU-bound
 * script runs), and nse_engine_stats during and after a run. No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
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
  struct nse_engine *e;
  struct nse_stats mid; /* the peak-heap sample taken mid-run */
  int have_mid;
};

static void on_done(void *ud) {
  ((struct run *)ud)->done++;
}

/* Samples the stats every tick and keeps, among the samples taken while
 * at least two instances run, the one with the largest Lua heap: the
 * moment both holders hold their memory, whenever a loaded machine (or a
 * sanitizer) lets that happen. */
static void on_timer(uv_timer_t *t) {
  struct run *r = t->data;
  struct nse_stats now;
  nse_engine_stats(r->e, &now);
  if (now.running >= 2 && (!r->have_mid || now.lua_bytes > r->mid.lua_bytes)) {
    r->mid = now;
    r->have_mid = 1;
  }
}

/* Runs the pre-scan of the hostile scripts named in `names` (comma list),
 * sampling stats from stats_ms on (0: none). */
static void run_pre(struct run *r, const char *names, size_t mem_limit,
                    int64_t timeout_ms, uint64_t stats_ms) {
  memset(r, 0, sizeof *r);
  struct scan_opts o;
  opts_init(&o);
  o.script_scan = 1;
  o.script_spec =
      script_spec_join(srcdir, "tests/integration/nse/hostile", names, ".nse");
  o.script_mem_limit = mem_limit;
  o.script_timeout_ms = timeout_ms;
  uv_loop_t loop;
  uv_loop_init(&loop);
  char *err = NULL;
  assert_int_equal(nse_engine_new(&r->e, &loop, &o, &err), 0);
  uv_timer_t tm;
  uv_timer_init(&loop, &tm);
  tm.data = r;
  if (stats_ms)
    uv_timer_start(&tm, on_timer, stats_ms, 50);
  nse_engine_prescan(r->e, &r->res, on_done, r);
  for (int i = 0; i < 100000 && !r->done; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(r->done, 1);
  struct nse_stats after;
  nse_engine_stats(r->e, &after);
  assert_int_equal(after.running, 0);
  assert_int_equal(after.queued, 0);
  assert_int_equal(after.workers, 0);
  uv_close((uv_handle_t *)&tm, NULL);
  nse_engine_free(r->e);
  r->e = NULL;
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  opts_free(&o);
}

static void run_free(struct run *r) {
  sresults_clear(&r->res);
  free(r->res.items);
}

static const char *output_of(struct run *r, const char *id) {
  for (size_t i = 0; i < r->res.n; i++)
    if (strcmp(r->res.items[i]->id, id) == 0)
      return r->res.items[i]->output;
  return NULL;
}

static void expect(struct run *r, const char *id, const char *want) {
  const char *got = output_of(r, id);
  assert_non_null(got);
  assert_string_equal(got, want);
}

/* Two instances holding 20 MB each live at once fit under a 32 MiB cap
 * per instance (a global heap cap would refuse one); a bomb next to them
 * is the only one to end. The stats taken mid-run see both holders. */
static void test_mem_per_instance(void **state) {
  (void)state;
  struct run r;
  run_pre(&r, "hold1,hold2,hmem", (size_t)32 << 20, 0, 300);
  expect(&r, "hold1", "held 20 MB");
  expect(&r, "hold2", "held 20 MB");
  expect(&r, "hmem", "ERROR: Script exceeded its memory limit (32 MiB)");
  assert_true(r.have_mid);
  /* The holders sleep 0.6 s; the bomb may still be running under a
   * sanitizer. */
  assert_true(r.mid.running >= 2);
  assert_int_equal(r.mid.running + r.mid.done, 3);
  assert_int_equal(r.mid.queued, 0);
  assert_int_equal(r.mid.noldest, r.mid.running);
  assert_true(strncmp(r.mid.oldest[0].name, "hold", 4) == 0 ||
              strncmp(r.mid.oldest[1].name, "hold", 4) == 0);
  assert_true(r.mid.oldest[0].seconds >= r.mid.oldest[1].seconds);
  assert_true(r.mid.lua_bytes >= (size_t)40 << 20);
  double want = 100.0 * (double)r.mid.done / 3.0;
  assert_true(r.mid.percent > want - 0.1 && r.mid.percent < want + 0.1);
  run_free(&r);
}

/* A cap that is not whole MiB is printed in bytes. */
static void test_mem_bytes(void **state) {
  (void)state;
  struct run r;
  run_pre(&r, "hmem", 5000000, 0, 0);
  expect(&r, "hmem",
         "ERROR: Script exceeded its memory limit (5000000 "
         "bytes)");
  run_free(&r);
}

/* Time slices: a sleeper finishes while a CPU-bound script (plain, and
 * stuck in a nested coroutine that swallows errors) runs to its timeout.
 * Without preemption the sleeper would be stalled past its own timeout. */
static void test_time_slices(void **state) {
  (void)state;
  struct run r;
  run_pre(&r, "hloop,hnested,hsleep", 0, 1500, 0);
  expect(&r, "hsleep", "woke");
  expect(&r, "hloop", "ERROR: Script timed out after 1.5s");
  expect(&r, "hnested", "ERROR: Script timed out after 1.5s");
  run_free(&r);
}

int main(void) {
  const char *s = getenv("PORTOLAN_SRCDIR");
  snprintf(srcdir, sizeof srcdir, "%s", s ? s : ".");
  datapath_init("/proc/self/exe", srcdir);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mem_per_instance),
      cmocka_unit_test(test_mem_bytes),
      cmocka_unit_test(test_time_slices),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  datapath_free();
  return rc;
}
