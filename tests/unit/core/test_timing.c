/* Timing templates, the RTT estimator, congestion windows, rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/errcode.h"
#include "core/timing.h"

static void test_templates(void **state) {
  (void)state;
  struct scan_opts o;
  struct timing_params tp;
  opts_init(&o);
  assert_int_equal(timing_params_init(&tp, &o), 0);
  assert_int_equal(tp.level, 3);
  assert_int_equal(tp.min_rtt_us, 100000);
  assert_int_equal(tp.max_rtt_us, 10000000);
  assert_int_equal(tp.initial_rtt_us, 1000000);
  assert_int_equal(tp.max_retries, 10);
  assert_int_equal(tp.scan_delay_us, 0);
  assert_int_equal(tp.host_timeout_us, 0);
  assert_int_equal(tp.max_parallelism, 0);

  o.timing = 4;
  assert_int_equal(timing_params_init(&tp, &o), 0);
  assert_int_equal(tp.min_rtt_us, 100000);
  assert_int_equal(tp.max_rtt_us, 1250000);
  assert_int_equal(tp.initial_rtt_us, 500000);
  assert_int_equal(tp.max_retries, 6);
  assert_int_equal(tp.max_scan_delay_us, 10000);

  o.timing = 5;
  assert_int_equal(timing_params_init(&tp, &o), 0);
  assert_int_equal(tp.min_rtt_us, 50000);
  assert_int_equal(tp.max_rtt_us, 300000);
  assert_int_equal(tp.initial_rtt_us, 250000);
  assert_int_equal(tp.max_retries, 2);
  assert_int_equal(tp.host_timeout_us, 900000000LL);

  o.timing = 2;
  assert_int_equal(timing_params_init(&tp, &o), 0);
  assert_int_equal(tp.scan_delay_us, 400000);
  assert_int_equal(tp.max_parallelism, 1);
  o.timing = 0;
  assert_int_equal(timing_params_init(&tp, &o), 0);
  assert_int_equal(tp.scan_delay_us, 300000000LL);
  assert_int_equal(tp.initial_rtt_us, 300000000LL);

  o.timing = 6;
  assert_int_equal(timing_params_init(&tp, &o), PT_ERANGE);
}

static void test_overrides(void **state) {
  (void)state;
  struct scan_opts o;
  struct timing_params tp;
  opts_init(&o);
  o.timing = 4;
  o.max_retries = 0;
  o.min_rtt_timeout_ms = 20;
  o.max_rtt_timeout_ms = 400;
  o.initial_rtt_timeout_ms = 5000; /* above the max: clamped */
  o.scan_delay_ms = 50;            /* above T4's 10 ms cap: raises it */
  o.host_timeout_ms = 1500;
  o.min_parallelism = 20;
  o.max_parallelism = 10; /* below the minimum: raised to it */
  o.max_rate = 100;
  assert_int_equal(timing_params_init(&tp, &o), 0);
  assert_int_equal(tp.max_retries, 0);
  assert_int_equal(tp.min_rtt_us, 20000);
  assert_int_equal(tp.max_rtt_us, 400000);
  assert_int_equal(tp.initial_rtt_us, 400000);
  assert_int_equal(tp.scan_delay_us, 50000);
  assert_int_equal(tp.max_scan_delay_us, 50000);
  assert_int_equal(tp.host_timeout_us, 1500000);
  assert_int_equal(tp.min_parallelism, 20);
  assert_int_equal(tp.max_parallelism, 20);
  assert_true(tp.max_rate == 100);

  o.min_rtt_timeout_ms = 500; /* above the max */
  assert_int_equal(timing_params_init(&tp, &o), PT_ERANGE);
}

static void test_rtt(void **state) {
  (void)state;
  struct scan_opts o;
  struct timing_params tp;
  opts_init(&o);
  timing_params_init(&tp, &o);
  struct rtt_est r;
  rtt_init(&r, &tp);
  assert_true(r.srtt_us < 0);
  assert_int_equal(r.timeout_us, 1000000);

  /* First sample: srtt = sample, rttvar = sample bounded below by 5 ms. */
  rtt_update(&r, 40000, &tp);
  assert_int_equal(r.srtt_us, 40000);
  assert_int_equal(r.rttvar_us, 40000);
  assert_int_equal(r.timeout_us, 40000 + 4 * 40000);

  /* Second: srtt += d/8, rttvar += (|d| - rttvar)/4. */
  rtt_update(&r, 80000, &tp);
  assert_int_equal(r.srtt_us, 45000);
  assert_int_equal(r.rttvar_us, 40000);
  assert_int_equal(r.timeout_us, 45000 + 160000);

  /* Converges and is clamped at the minimum timeout. */
  for (int i = 0; i < 200; i++)
    rtt_update(&r, 100, &tp);
  assert_true(r.srtt_us < 1000);
  assert_int_equal(r.timeout_us, 100000);

  /* An absurd outlier is ignored. */
  int64_t before = r.srtt_us;
  rtt_update(&r, 9000000, &tp);
  assert_int_equal(r.srtt_us, before);

  /* And the maximum clamps. */
  struct rtt_est big;
  rtt_init(&big, &tp);
  rtt_update(&big, 4000000, &tp);
  assert_int_equal(big.timeout_us, 10000000);

  /* Loopback first sample: variance floor 5 ms. */
  struct rtt_est lo;
  rtt_init(&lo, &tp);
  rtt_update(&lo, 30, &tp);
  assert_int_equal(lo.rttvar_us, 5000);
}

static void test_cwnd(void **state) {
  (void)state;
  struct cwnd c;
  cwnd_init(&c, 10, 1, 100);
  assert_int_equal(cwnd_allowed(&c), 10);
  for (int i = 0; i < 20; i++)
    cwnd_on_answer(&c, 1);
  assert_int_equal(cwnd_allowed(&c), 30); /* slow start: +1 each */
  cwnd_on_drop(&c, 30, 1000, 2000);
  assert_int_equal(cwnd_allowed(&c), 15);
  /* A drop of a probe sent before the last drop does not count again. */
  cwnd_on_drop(&c, 15, 1500, 2500);
  assert_int_equal(cwnd_allowed(&c), 15);
  /* Congestion avoidance: about +1 per window of answers. */
  for (int i = 0; i < 15; i++)
    cwnd_on_answer(&c, 1);
  assert_int_equal(cwnd_allowed(&c), 15);
  cwnd_on_answer(&c, 1);
  assert_int_equal(cwnd_allowed(&c), 16);
  /* Never above high, never below low. */
  for (int i = 0; i < 100000; i++)
    cwnd_on_answer(&c, 1);
  assert_int_equal(cwnd_allowed(&c), 100);
  /* Scaled growth where most probes go unanswered. */
  assert_true(cwnd_scale(0, 0) == 1);
  assert_true(cwnd_scale(10, 10) == 1);
  assert_true(cwnd_scale(100, 10) == 10);
  assert_true(cwnd_scale(100000, 1) == 50);
  struct cwnd e;
  cwnd_init(&e, 10, 1, 1000);
  cwnd_on_answer(&e, cwnd_scale(100, 10));
  assert_int_equal(cwnd_allowed(&e), 20);
  /* Silence grows the window until the first drop, then never. */
  struct cwnd f;
  cwnd_init(&f, 10, 1, 100);
  for (int i = 0; i < 5; i++)
    cwnd_on_silence(&f);
  assert_int_equal(cwnd_allowed(&f), 15);
  cwnd_on_drop(&f, 15, 10, 20);
  assert_int_equal(cwnd_allowed(&f), 7);
  for (int i = 0; i < 5; i++)
    cwnd_on_silence(&f);
  assert_int_equal(cwnd_allowed(&f), 7);
  struct cwnd d;
  cwnd_init(&d, 10, 4, 0);
  for (int i = 0; i < 10; i++)
    cwnd_on_drop(&d, 1, 100 + i * 10, 100 + i * 10 + 5);
  assert_int_equal(cwnd_allowed(&d), 4);
}

static void test_ratelimit(void **state) {
  (void)state;
  struct ratelimit rl;
  ratelimit_init(&rl, 100, 0); /* 100/s: one per 10 ms, burst 1 */
  assert_int_equal(ratelimit_take(&rl, 0), 1);
  assert_int_equal(ratelimit_take(&rl, 0), 0);
  assert_true(ratelimit_wait_us(&rl, 0) > 9000);
  assert_int_equal(ratelimit_take(&rl, 5000), 0);
  assert_int_equal(ratelimit_take(&rl, 10001), 1);
  /* Over a simulated second, about 100 probes go. */
  int n = 0;
  for (int64_t t = 20000; t < 1020000; t += 100)
    n += ratelimit_take(&rl, t);
  assert_in_range(n, 98, 102);
  struct ratelimit off;
  ratelimit_init(&off, 0, 0);
  for (int i = 0; i < 1000; i++)
    assert_int_equal(ratelimit_take(&off, 0), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_templates), cmocka_unit_test(test_overrides),
      cmocka_unit_test(test_rtt),       cmocka_unit_test(test_cwnd),
      cmocka_unit_test(test_ratelimit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
