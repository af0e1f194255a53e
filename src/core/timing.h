/* Scan timing: -T templates, RTT estimation and congestion windows. Pure
 * arithmetic on caller-supplied clocks (microseconds), libc only, so every
 * rule is unit-tested without a network.
 *
 * Templates carry Nmap's values (nmap(1) "Timing templates"): -T4 is
 * --min-rtt-timeout 100ms --max-rtt-timeout 1250ms --initial-rtt-timeout
 * 500ms --max-retries 6, -T5 is 50ms/300ms/250ms, 2 retries and a 15 min
 * host timeout, -T0..-T2 serialize with 300 s / 15 s / 0.4 s between
 * probes. Explicit options always win over the template.
 *
 * The RTT estimator is the classic smoothed mean/variance one (Nmap's, and
 * RFC 6298's): srtt += d/8, rttvar += (|d| - rttvar)/4, timeout = srtt +
 * 4 * rttvar, clamped to [min, max] RTT timeout. Invariant: min_rtt <=
 * timeout <= max_rtt once initialised. */
#ifndef PORTOLAN_CORE_TIMING_H
#define PORTOLAN_CORE_TIMING_H

#include <stdint.h>

#include "core/options.h"

struct timing_params {
  int level;                 /* 0..5 */
  int64_t min_rtt_us;        /* lower clamp of the probe timeout */
  int64_t max_rtt_us;        /* upper clamp */
  int64_t initial_rtt_us;    /* timeout before any RTT sample */
  int max_retries;           /* retransmissions after the first try */
  int64_t scan_delay_us;     /* minimum gap between probes to one host */
  int64_t max_scan_delay_us; /* cap of the scan delay */
  int64_t host_timeout_us;   /* 0 = none */
  int min_parallelism;       /* lower bound of the window, >= 1 */
  int max_parallelism;       /* upper bound of the window, 0 = none */
  double min_rate, max_rate; /* probes per second, 0 = unset */
};

/* Fills tp from -T and the fine-grained options (which take precedence).
 * Returns 0, or PT_ERANGE for a -T level outside 0..5 or a min RTT timeout
 * above the max. */
int timing_params_init(struct timing_params *tp, const struct scan_opts *o);

struct rtt_est {
  int64_t srtt_us, rttvar_us, timeout_us; /* srtt < 0: no sample yet */
};

void rtt_init(struct rtt_est *r, const struct timing_params *tp);
/* Feeds one round-trip sample. Samples absurdly far above the estimate
 * (more than 8 s, or 1.5 s above and three times it) are ignored, as Nmap
 * ignores them, so one late answer does not wreck the timeout. */
void rtt_update(struct rtt_est *r, int64_t sample_us,
                const struct timing_params *tp);

/* A congestion window counted in probes in flight (slow start, then
 * congestion avoidance after the first drop). */
struct cwnd {
  double cwnd, ssthresh;
  double low, high;     /* bounds from --min/--max-parallelism */
  int64_t last_drop_us; /* drops of probes sent before it are ignored */
};

/* initial: starting window; low >= 1; high: ceiling (0 = none). */
void cwnd_init(struct cwnd *c, double initial, double low, double high);
/* One answered probe: +scale in slow start, +scale/cwnd in congestion
 * avoidance. scale is cwnd_scale(): where most probes go unanswered
 * (filtered ports), each answer stands for several probes that got
 * through, as in Nmap. */
void cwnd_on_answer(struct cwnd *c, double scale);
/* probes sent / answers received, between 1 and 50. */
double cwnd_scale(uint64_t sent, uint64_t answered);
/* A first try that timed out: until the first drop it grows the window as
 * an answer would (slow start, +1), since silence before any sign of
 * congestion means a dead host or a firewall, not a full path; after a
 * drop it changes nothing. */
void cwnd_on_silence(struct cwnd *c);
/* Evidence of a lost probe that was sent at sent_us while in_flight were
 * outstanding: the window halves, at most once per window of probes (a
 * drop of a probe sent before the previous drop is not counted again). */
void cwnd_on_drop(struct cwnd *c, unsigned in_flight, int64_t sent_us,
                  int64_t now_us);
/* Whole probes the window allows. */
unsigned cwnd_allowed(const struct cwnd *c);

/* A token bucket for --max-rate. rate <= 0 disables it. */
struct ratelimit {
  double rate, tokens, burst;
  int64_t last_us;
};

void ratelimit_init(struct ratelimit *rl, double rate, int64_t now_us);
/* Takes one token if available; returns 1 if the probe may go now. */
int ratelimit_take(struct ratelimit *rl, int64_t now_us);
/* Microseconds until the next token (0 if one is available now). */
int64_t ratelimit_wait_us(const struct ratelimit *rl, int64_t now_us);

#endif
