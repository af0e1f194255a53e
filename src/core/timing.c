/* Scan timing: templates, RTT estimation, congestion windows, rate limit.
 * See timing.h for the rules; everything here is pure arithmetic. */
#include "core/timing.h"

#include <string.h>

#include "core/errcode.h"

#define MS 1000LL
#define SEC 1000000LL

/* Nmap's template values, per nmap(1) "Timing templates". */
struct template_row {
  int64_t min_rtt, max_rtt, initial_rtt; /* microseconds */
  int max_retries;
  int64_t scan_delay, max_scan_delay;
  int64_t host_timeout;
  int max_parallelism;
};

static const struct template_row templates[6] = {
    /* T0 paranoid: serialized, five minutes between probes. */
    {100 * MS, 300 * SEC, 300 * SEC, 10, 300 * SEC, 300 * SEC, 0, 1},
    /* T1 sneaky: serialized, 15 s between probes. */
    {100 * MS, 15 * SEC, 15 * SEC, 10, 15 * SEC, 15 * SEC, 0, 1},
    /* T2 polite: serialized, 0.4 s between probes. */
    {100 * MS, 10 * SEC, 1 * SEC, 10, 400 * MS, 1 * SEC, 0, 1},
    /* T3 normal: Nmap's defaults. */
    {100 * MS, 10 * SEC, 1 * SEC, 10, 0, 1 * SEC, 0, 0},
    /* T4 aggressive. */
    {100 * MS, 1250 * MS, 500 * MS, 6, 0, 10 * MS, 0, 0},
    /* T5 insane. */
    {50 * MS, 300 * MS, 250 * MS, 2, 0, 5 * MS, 900 * SEC, 0},
};

int timing_params_init(struct timing_params *tp, const struct scan_opts *o) {
  memset(tp, 0, sizeof *tp);
  if (o->timing < 0 || o->timing > 5)
    return PT_ERANGE;
  const struct template_row *t = &templates[o->timing];
  tp->level = o->timing;
  tp->min_rtt_us =
      o->min_rtt_timeout_ms >= 0 ? o->min_rtt_timeout_ms * MS : t->min_rtt;
  tp->max_rtt_us =
      o->max_rtt_timeout_ms >= 0 ? o->max_rtt_timeout_ms * MS : t->max_rtt;
  tp->initial_rtt_us = o->initial_rtt_timeout_ms >= 0
                           ? o->initial_rtt_timeout_ms * MS
                           : t->initial_rtt;
  tp->max_retries = o->max_retries >= 0 ? o->max_retries : t->max_retries;
  tp->scan_delay_us =
      o->scan_delay_ms >= 0 ? o->scan_delay_ms * MS : t->scan_delay;
  tp->max_scan_delay_us =
      o->max_scan_delay_ms >= 0 ? o->max_scan_delay_ms * MS : t->max_scan_delay;
  /* An explicit --scan-delay above the template's cap raises the cap, as
   * Nmap does; the reverse lowers the delay. */
  if (o->scan_delay_ms >= 0 && tp->scan_delay_us > tp->max_scan_delay_us)
    tp->max_scan_delay_us = tp->scan_delay_us;
  if (tp->scan_delay_us > tp->max_scan_delay_us)
    tp->scan_delay_us = tp->max_scan_delay_us;
  tp->host_timeout_us =
      o->host_timeout_ms > 0 ? o->host_timeout_ms * MS : t->host_timeout;
  tp->min_parallelism = o->min_parallelism > 0 ? o->min_parallelism : 1;
  tp->max_parallelism =
      o->max_parallelism > 0 ? o->max_parallelism : t->max_parallelism;
  if (tp->max_parallelism > 0 && tp->min_parallelism > tp->max_parallelism)
    tp->max_parallelism = tp->min_parallelism;
  tp->min_rate = o->min_rate > 0 ? o->min_rate : 0;
  tp->max_rate = o->max_rate > 0 ? o->max_rate : 0;
  if (tp->min_rtt_us > tp->max_rtt_us)
    return PT_ERANGE;
  if (tp->initial_rtt_us < tp->min_rtt_us)
    tp->initial_rtt_us = tp->min_rtt_us;
  if (tp->initial_rtt_us > tp->max_rtt_us)
    tp->initial_rtt_us = tp->max_rtt_us;
  return 0;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

void rtt_init(struct rtt_est *r, const struct timing_params *tp) {
  r->srtt_us = -1;
  r->rttvar_us = -1;
  r->timeout_us = tp->initial_rtt_us;
}

void rtt_update(struct rtt_est *r, int64_t sample_us,
                const struct timing_params *tp) {
  if (sample_us < 0)
    sample_us = 0;
  if (r->srtt_us < 0) {
    r->srtt_us = sample_us;
    /* The first variance guess is the sample itself, bounded so that a
     * microsecond loopback sample still leaves some slack. */
    r->rttvar_us = clamp64(sample_us, 5000, 2 * SEC);
  } else {
    int64_t d = sample_us - r->srtt_us;
    if (sample_us >= 8 * SEC && sample_us > 3 * r->srtt_us + 2 * r->rttvar_us)
      return;
    if (d > 1500 * MS && d > 3 * r->srtt_us + 2 * r->rttvar_us)
      return;
    r->srtt_us += d / 8;
    r->rttvar_us += ((d < 0 ? -d : d) - r->rttvar_us) / 4;
  }
  if (r->rttvar_us > 2300 * MS)
    r->rttvar_us = 2 * SEC;
  r->timeout_us =
      clamp64(r->srtt_us + 4 * r->rttvar_us, tp->min_rtt_us, tp->max_rtt_us);
}

void cwnd_init(struct cwnd *c, double initial, double low, double high) {
  c->low = low < 1 ? 1 : low;
  c->high = high > 0 ? high : 1e9;
  if (c->high < c->low)
    c->high = c->low;
  c->cwnd = initial < c->low ? c->low : initial > c->high ? c->high : initial;
  /* No threshold until the first drop: fast networks should not be held to
   * linear growth before any loss was seen. */
  c->ssthresh = c->high;
  c->last_drop_us = -1;
}

double cwnd_scale(uint64_t sent, uint64_t answered) {
  if (answered == 0 || sent <= answered)
    return 1;
  double r = (double)sent / (double)answered;
  return r > 50 ? 50 : r;
}

void cwnd_on_answer(struct cwnd *c, double scale) {
  if (c->cwnd < c->ssthresh)
    c->cwnd += scale;
  else
    c->cwnd += scale / c->cwnd;
  if (c->cwnd > c->high)
    c->cwnd = c->high;
}

void cwnd_on_silence(struct cwnd *c) {
  if (c->last_drop_us >= 0)
    return;
  c->cwnd += 1;
  if (c->cwnd > c->high)
    c->cwnd = c->high;
}

void cwnd_on_drop(struct cwnd *c, unsigned in_flight, int64_t sent_us,
                  int64_t now_us) {
  if (c->last_drop_us >= 0 && sent_us <= c->last_drop_us)
    return;
  double half = (in_flight > c->cwnd ? in_flight : c->cwnd) / 2;
  c->ssthresh = half < 2 ? 2 : half;
  c->cwnd = half < c->low ? c->low : half;
  c->last_drop_us = now_us;
}

unsigned cwnd_allowed(const struct cwnd *c) {
  return (unsigned)c->cwnd;
}

void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_us) {
  rl->rate = rate > 0 ? rate : 0;
  /* A burst of 10 ms worth keeps the average exact without a timer tick
   * per probe. */
  rl->burst = rl->rate / 100 < 1 ? 1 : rl->rate / 100;
  rl->tokens = 1;
  rl->last_us = now_us;
}

static void refill(struct ratelimit *rl, int64_t now_us) {
  if (now_us > rl->last_us) {
    rl->tokens += rl->rate * (double)(now_us - rl->last_us) / 1e6;
    if (rl->tokens > rl->burst)
      rl->tokens = rl->burst;
    rl->last_us = now_us;
  }
}

int ratelimit_take(struct ratelimit *rl, int64_t now_us) {
  if (rl->rate <= 0)
    return 1;
  refill(rl, now_us);
  if (rl->tokens < 1)
    return 0;
  rl->tokens -= 1;
  return 1;
}

int64_t ratelimit_wait_us(const struct ratelimit *rl, int64_t now_us) {
  if (rl->rate <= 0)
    return 0;
  double t = rl->tokens;
  if (now_us > rl->last_us)
    t += rl->rate * (double)(now_us - rl->last_us) / 1e6;
  if (t >= 1)
    return 0;
  return (int64_t)((1 - t) * 1e6 / rl->rate) + 1;
}
