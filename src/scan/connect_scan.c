/* TCP connect scan (-sT): the main-loop half. It decides what to probe and
 * when (congestion windows, RTT-based timeouts, retransmissions, rate and
 * delay limits, the fd budget) and records answers in the host model; the
 * connects themselves run on worker threads (probe_pool.c).
 *
 * Retransmission follows Nmap's rule: a port is retried while its try
 * number is below the host's allowed try number, max(1, highest try that
 * ever got an answer + 1), capped by --max-retries. A port that reached the
 * cap while other probes to its host are still out waits on a bench: if one
 * of them is answered at a higher try, benched ports are retried too;
 * otherwise they end filtered (no-response), unless the host is measurably
 * lossy (see maybe_dismiss_bench). An answer to a retransmission
 * is the congestion signal that halves the windows; a port that never
 * answers is not one (it is just filtered), and until a drop is seen the
 * windows grow on such silence too, so dead hosts and firewalled ranges do
 * not hold the scan to ten probes per timeout as in Nmap.
 *
 * Invariants: everything here runs on the main loop thread. A struct chost
 * outlives its host's done callback until its last probe returns (so a
 * late result never touches a freed struct host). cs->inflight counts
 * probes held by workers; it never exceeds cs->fd_cap except transiently
 * after the cap is lowered on EMFILE. */
#include "scan/scan.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/log.h"
#include "core/timing.h"
#include "core/xalloc.h"
#include "net/fdlimit.h"
#include "scan/connect_int.h"
#include "scan/probe_pool.h"

#define TICK_MS 10
#define BACKOFF_US 20000 /* pause after EMFILE/EADDRNOTAVAIL */
#define INITIAL_CWND 10
/* Default ceiling of the windows. Nmap's is 300; loopback and LAN scans
 * need a few hundred more to keep the worker threads busy, while many
 * thousands only queue SYNs until the kernel drops them (the loopback
 * backlog holds 1000 packets per CPU). --max-parallelism overrides it. */
#define DEFAULT_MAX_CWND 1000

struct chost {
  struct connect_scan *cs;
  struct host *h;
  const uint16_t *ports;
  size_t nports, next;          /* next: count of ports sent at least once */
  size_t perm_start, perm_step; /* port order: (start + i * step) % n */
  size_t remaining;             /* ports not yet classified */
  struct probe *retry_head, *retry_tail;
  struct probe *bench;
  unsigned inflight;
  int max_ok_tryno;
  unsigned n_sent;               /* probes sent, retransmissions included */
  unsigned n_answers, n_retried; /* answers; those after a retransmission */
  struct rtt_est rtt;
  struct cwnd cw;
  int64_t start_us, next_send_us;
  int done, queued, buried;
  struct chost *grave_next;
  struct chost *all_prev, *all_next; /* every chost not yet freed */
  struct chost *rnext;               /* ready queue */
};

struct connect_scan {
  uv_loop_t *loop;
  struct timing_params tp;
  scan_host_done_fn done;
  void *ud;
  struct probe_pool *pool;
  uv_timer_t timer;
  int timer_on;

  struct chost *all;                /* list of every live chost */
  struct chost *grave;              /* finished, to free (reap) */
  struct chost *ready, *ready_tail; /* hosts with something to send */
  size_t pending;                   /* hosts added, done not fired */

  unsigned inflight, fd_cap, fd_budget;
  unsigned max_cwnd; /* default window ceiling, within the fd budget */
  struct cwnd gcw;
  struct rtt_est grtt;
  struct ratelimit rl;
  int64_t start_us, backoff_until;
  uint64_t sent_total, n_answers, n_timeouts, n_again; /* reported with -d */
  struct probe *free_probes;
  uint64_t rng; /* xorshift state for port order */

  int first_answer; /* discovery: a host is done at its first answer */
  int in_order;     /* -r */
  int stopped, busy, free_pending;
};

static void pump(struct connect_scan *cs);
static void really_free(struct connect_scan *cs);

static double epoch_now(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static struct probe *probe_get(struct connect_scan *cs) {
  struct probe *p = cs->free_probes;
  if (p != NULL)
    cs->free_probes = p->next;
  else
    p = xmalloc(sizeof *p);
  memset(p, 0, sizeof *p);
  return p;
}

static void probe_put(struct connect_scan *cs, struct probe *p) {
  p->next = cs->free_probes;
  cs->free_probes = p;
}

static void free_list(struct connect_scan *cs, struct probe *list) {
  while (list) {
    struct probe *p = list;
    list = p->next;
    probe_put(cs, p);
  }
}

static int has_work(const struct chost *ch) {
  return !ch->done && (ch->retry_head != NULL || ch->next < ch->nports);
}

static void ready_push(struct connect_scan *cs, struct chost *ch) {
  if (ch->queued || !has_work(ch))
    return;
  ch->queued = 1;
  ch->rnext = NULL;
  if (cs->ready == NULL)
    cs->ready = ch;
  else
    cs->ready_tail->rnext = ch;
  cs->ready_tail = ch;
}

static struct chost *ready_pop(struct connect_scan *cs) {
  struct chost *ch = cs->ready;
  if (ch != NULL) {
    cs->ready = ch->rnext;
    if (cs->ready == NULL)
      cs->ready_tail = NULL;
    ch->queued = 0;
  }
  return ch;
}

static void chost_unlink_free(struct connect_scan *cs, struct chost *ch) {
  if (ch->all_prev)
    ch->all_prev->all_next = ch->all_next;
  else
    cs->all = ch->all_next;
  if (ch->all_next)
    ch->all_next->all_prev = ch->all_prev;
  free_list(cs, ch->retry_head);
  free_list(cs, ch->bench);
  free(ch);
}

/* A finished chost with nothing in flight goes to the grave list, freed by
 * reap() once no callback is running: a done callback may complete other
 * hosts (connect_scan_stop), and loops over cs->all keep pointers to the
 * next chost across callbacks. */
static void bury(struct connect_scan *cs, struct chost *ch) {
  if (ch->buried)
    return;
  ch->buried = 1;
  ch->grave_next = cs->grave;
  cs->grave = ch;
}

static void reap(struct connect_scan *cs) {
  if (cs->busy > 0)
    return;
  while (cs->grave) {
    struct chost *ch = cs->grave;
    cs->grave = ch->grave_next;
    chost_unlink_free(cs, ch);
  }
}

/* Fires the host's done callback once; the chost itself lives on until its
 * last probe comes back. */
static void complete(struct connect_scan *cs, struct chost *ch) {
  if (ch->done)
    return;
  ch->done = 1;
  free_list(cs, ch->retry_head);
  ch->retry_head = ch->retry_tail = NULL;
  free_list(cs, ch->bench);
  ch->bench = NULL;
  cs->pending--;
  /* Freed from an earlier callback: the caller's hosts may be gone. */
  if (cs->free_pending)
    return;
  struct host *h = ch->h;
  const struct rtt_est *r = ch->rtt.srtt_us >= 0 ? &ch->rtt : &cs->grtt;
  if (r->srtt_us >= 0) {
    h->srtt_us = r->srtt_us;
    h->rttvar_us = r->rttvar_us;
  }
  h->timeout_us = r->timeout_us;
  h->end_time = epoch_now();
  /* Queued hosts are skipped by the pump once done; only unlink here if
   * nothing can still reference the chost. */
  if (ch->inflight == 0 && !ch->queued)
    bury(cs, ch);
  cs->busy++;
  cs->done(h, cs->ud);
  cs->busy--;
}

static uint64_t next_random(struct connect_scan *cs) {
  cs->rng ^= cs->rng << 13;
  cs->rng ^= cs->rng >> 7;
  cs->rng ^= cs->rng << 17;
  return cs->rng;
}

static size_t gcd(size_t a, size_t b) {
  while (b) {
    size_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Ports go out in a shuffled order, as Nmap's do (-r keeps them in order):
 * a stride coprime with the count visits each once, from a random start,
 * with no per-port memory. It spreads a firewalled range over the whole
 * scan, so answers from other ports tune the timeouts and windows early
 * instead of after a long run of silent ports. */
static void choose_order(struct connect_scan *cs, struct chost *ch,
                         int in_order) {
  size_t n = ch->nports;
  ch->perm_start = 0;
  ch->perm_step = 1;
  if (in_order || n < 3)
    return;
  ch->perm_start = (size_t)(next_random(cs) % n);
  /* Near the golden ratio of n, so neighbours land far apart. */
  size_t step = (size_t)((double)n * 0.618) + (size_t)(next_random(cs) % 7);
  step = step % n ? step % n : 1;
  while (gcd(step, n) != 1)
    step = step + 1 < n ? step + 1 : 1;
  ch->perm_step = step;
}

static int64_t probe_timeout(const struct connect_scan *cs,
                             const struct chost *ch) {
  if (ch->rtt.srtt_us >= 0)
    return ch->rtt.timeout_us;
  return cs->grtt.timeout_us;
}

static void send_probe(struct connect_scan *cs, struct chost *ch, int64_t now) {
  struct probe *p = ch->retry_head;
  if (p != NULL) {
    ch->retry_head = p->next;
    if (ch->retry_head == NULL)
      ch->retry_tail = NULL;
  } else {
    p = probe_get(cs);
    p->owner = ch;
    size_t i = (size_t)((ch->perm_start + (uint64_t)ch->next * ch->perm_step) %
                        ch->nports);
    ch->next++;
    p->port = ch->ports[i];
    memcpy(&p->addr, &ch->h->addr,
           ch->h->addrlen < sizeof p->addr ? ch->h->addrlen : sizeof p->addr);
    p->addrlen = ch->h->addrlen;
    if (ch->h->family == AF_INET6)
      p->addr.in6.sin6_port = htons(p->port);
    else
      p->addr.in.sin_port = htons(p->port);
  }
  p->result = PR_PENDING;
  p->timeout_us = probe_timeout(cs, ch);
  ch->inflight++;
  ch->n_sent++;
  cs->inflight++;
  cs->sent_total++;
  ch->next_send_us = now + cs->tp.scan_delay_us;
  probe_pool_queue(cs->pool, p);
}

/* True when --min-rate demands more than the windows allow. */
static int behind_min_rate(const struct connect_scan *cs, int64_t now) {
  if (cs->tp.min_rate <= 0)
    return 0;
  double elapsed = (double)(now - cs->start_us) / 1e6;
  return (double)cs->sent_total < cs->tp.min_rate * elapsed;
}

static void pump(struct connect_scan *cs) {
  if (cs->stopped || cs->free_pending)
    return;
  int64_t now = probe_now_us();
  if (now < cs->backoff_until)
    return;
  int force = behind_min_rate(cs, now);
  unsigned limit = cs->fd_cap;
  if (!force && cwnd_allowed(&cs->gcw) < limit)
    limit = cwnd_allowed(&cs->gcw);
  /* Hosts held back by their scan delay are re-queued at the end, so one
   * pass never spins on them. */
  struct chost *held = NULL, *held_tail = NULL;
  while (cs->inflight < limit) {
    struct chost *ch = ready_pop(cs);
    if (ch == NULL)
      break;
    if (ch->done) {
      if (ch->inflight == 0)
        bury(cs, ch);
      continue;
    }
    if (!force && ch->inflight >= cwnd_allowed(&ch->cw))
      continue; /* re-queued when one of its probes comes back */
    if (cs->tp.scan_delay_us > 0 && now < ch->next_send_us) {
      ch->queued = 1; /* waits for a later tick */
      ch->rnext = NULL;
      if (held == NULL)
        held = ch;
      else
        held_tail->rnext = ch;
      held_tail = ch;
      continue;
    }
    if (!ratelimit_take(&cs->rl, now)) {
      ready_push(cs, ch);
      break;
    }
    send_probe(cs, ch, now);
    ready_push(cs, ch);
  }
  if (held != NULL) {
    if (cs->ready == NULL)
      cs->ready = held;
    else
      cs->ready_tail->rnext = held;
    cs->ready_tail = held_tail;
  }
  probe_pool_flush(cs->pool);
}

static void set_port(struct chost *ch, const struct probe *p,
                     enum port_state st, enum reason r) {
  host_port_set(ch->h, PROTO_TCP, p->port, st, r, 0);
  ch->remaining--;
}

static void retry_push(struct chost *ch, struct probe *p, int front);

/* When nothing else of the host is left, benched ports end filtered, as in
 * Nmap, unless the host is measurably lossy. Nmap's rule reports open
 * ports as filtered on a lossy link (two SYNs in a row are lost for 4% of
 * ports at 20% loss). So a benched port that has failed k tries gets
 * another one while loss^k > BENCH_DOUBT, where loss is the share of the
 * host's answers that needed a retransmission: on a lossless host nothing
 * changes, at 1% loss one more try at most, at 20% up to six tries in
 * all; a firewalled port costs at most those extra timeouts. */
#define BENCH_DOUBT 1e-4

static void maybe_dismiss_bench(struct connect_scan *cs, struct chost *ch) {
  if (ch->bench == NULL || ch->inflight > 0 || has_work(ch))
    return;
  double loss = ch->n_answers ? (double)ch->n_retried / ch->n_answers : 0;
  struct probe *list = ch->bench;
  ch->bench = NULL;
  while (list) {
    struct probe *p = list;
    list = p->next;
    double doubt = 1;
    for (int k = 0; k <= p->tryno; k++)
      doubt *= loss;
    if (doubt > BENCH_DOUBT && p->tryno < cs->tp.max_retries) {
      p->tryno++;
      retry_push(ch, p, 0);
    } else {
      set_port(ch, p, PS_FILTERED, RSN_NO_RESPONSE);
      probe_put(cs, p);
    }
  }
}

static void retry_push(struct chost *ch, struct probe *p, int front) {
  if (front) {
    p->next = ch->retry_head;
    ch->retry_head = p;
    if (ch->retry_tail == NULL)
      ch->retry_tail = p;
    return;
  }
  p->next = NULL;
  if (ch->retry_head == NULL)
    ch->retry_head = p;
  else
    ch->retry_tail->next = p;
  ch->retry_tail = p;
}

static void on_answer(struct connect_scan *cs, struct chost *ch,
                      struct probe *p, int64_t now) {
  rtt_update(&ch->rtt, p->rtt_us, &cs->tp);
  rtt_update(&cs->grtt, p->rtt_us, &cs->tp);
  ch->n_answers++;
  cs->n_answers++;
  if (p->tryno > 0) {
    ch->n_retried++;
    /* The earlier try went unanswered while this one got through. */
    cwnd_on_drop(&ch->cw, ch->inflight + 1, p->sent_us, now);
    cwnd_on_drop(&cs->gcw, cs->inflight + 1, p->sent_us, now);
  } else {
    cwnd_on_answer(&ch->cw, cwnd_scale(ch->n_sent, ch->n_answers));
    cwnd_on_answer(&cs->gcw, cwnd_scale(cs->sent_total, cs->n_answers));
  }
  if (p->tryno > ch->max_ok_tryno) {
    ch->max_ok_tryno = p->tryno;
    while (ch->bench) {
      struct probe *b = ch->bench;
      ch->bench = b->next;
      b->tryno++;
      retry_push(ch, b, 0);
    }
  }
  enum port_state st = p->result == PR_OPEN     ? PS_OPEN
                       : p->result == PR_CLOSED ? PS_CLOSED
                                                : PS_FILTERED;
  set_port(ch, p, st, (enum reason)p->reason);
  probe_put(cs, p);
  if (cs->first_answer && st != PS_FILTERED)
    ch->remaining = 0;
}

static void on_timeout(struct connect_scan *cs, struct chost *ch,
                       struct probe *p) {
  cs->n_timeouts++;
  if (p->tryno == 0) {
    cwnd_on_silence(&ch->cw);
    cwnd_on_silence(&cs->gcw);
  }
  int maxr = cs->tp.max_retries;
  int allowed = ch->max_ok_tryno + 1 > 1 ? ch->max_ok_tryno + 1 : 1;
  if (allowed > maxr)
    allowed = maxr;
  if (p->tryno < allowed) {
    p->tryno++;
    retry_push(ch, p, 0);
  } else if (p->tryno < maxr) {
    p->next = ch->bench;
    ch->bench = p;
  } else {
    set_port(ch, p, PS_FILTERED, RSN_NO_RESPONSE);
    probe_put(cs, p);
  }
}

static void on_results(struct probe *list, void *ud) {
  struct connect_scan *cs = ud;
  int64_t now = probe_now_us();
  cs->busy++;
  while (list) {
    struct probe *p = list;
    list = p->next;
    struct chost *ch = p->owner;
    ch->inflight--;
    cs->inflight--;
    if (cs->free_pending) {
      /* Freed from a callback: the hosts may be gone; really_free
       * releases every chost. */
      probe_put(cs, p);
      continue;
    }
    if (ch->done || p->result == PR_CANCELED) {
      probe_put(cs, p);
      if (ch->done && ch->inflight == 0 && !ch->queued)
        bury(cs, ch);
      continue;
    }
    switch (p->result) {
    case PR_AGAIN: {
      cs->n_again++;
      /* Out of descriptors or ephemeral ports: hold fewer sockets and
       * pause briefly; the probe keeps its try number. */
      unsigned cap = cs->inflight * 3 / 4;
      cs->fd_cap = cap < 8 ? 8 : cap;
      cs->backoff_until = now + BACKOFF_US;
      retry_push(ch, p, 1);
      break;
    }
    case PR_TIMEOUT:
      on_timeout(cs, ch, p);
      break;
    default:
      on_answer(cs, ch, p, now);
      break;
    }
    maybe_dismiss_bench(cs, ch);
    if (ch->remaining == 0)
      complete(cs, ch);
    else
      ready_push(cs, ch);
  }
  cs->busy--;
  if (cs->free_pending && cs->busy == 0) {
    really_free(cs);
    return;
  }
  reap(cs);
  pump(cs);
}

static void on_tick(uv_timer_t *t) {
  struct connect_scan *cs = t->data;
  int64_t now = probe_now_us();
  cs->busy++;
  if (cs->tp.host_timeout_us > 0) {
    struct chost *ch = cs->all;
    while (ch) {
      struct chost *nx = ch->all_next; /* complete may free ch */
      if (!ch->done && !cs->free_pending &&
          now - ch->start_us >= cs->tp.host_timeout_us) {
        ch->h->timed_out = 1;
        complete(cs, ch);
      }
      ch = nx;
    }
  }
  /* Slowly give back descriptors taken away by an EMFILE back-off. */
  if (cs->fd_cap < cs->fd_budget && now >= cs->backoff_until)
    cs->fd_cap += (cs->fd_budget - cs->fd_cap + 7) / 8;
  cs->busy--;
  if (cs->free_pending && cs->busy == 0) {
    really_free(cs);
    return;
  }
  reap(cs);
  if (cs->pending == 0 || cs->stopped) {
    uv_timer_stop(&cs->timer);
    cs->timer_on = 0;
    return;
  }
  pump(cs);
}

/* Two workers per CPU. Nearly all of a worker's time is the kernel's
 * connect path, and on loopback the target's side of the handshake (and a
 * local listener's accepts) compete for the same CPUs: with more workers
 * than CPUs a preempted worker's sockets do not stall the scan. Measured on
 * 2 CPUs (bench/host-sweep.sh, medians of 5 interleaved runs): 1 worker
 * 3.67 s, 2: 2.89 s, 4: 2.50 s, 6: 2.46 s; the listener also spent less
 * CPU (1.10 s -> 0.88 s) accepting in larger batches. */
static unsigned default_workers(void) {
  unsigned n = 2 * uv_available_parallelism();
  const char *env = getenv("PORTOLAN_SCAN_THREADS");
  if (env != NULL && atoi(env) > 0)
    n = (unsigned)atoi(env);
  return n < 1 ? 1 : n > 8 ? 8 : n;
}

struct connect_scan *connect_scan_new(uv_loop_t *loop,
                                      const struct scan_opts *o,
                                      scan_host_done_fn done, void *ud) {
  struct connect_scan *cs = xcalloc(1, sizeof *cs);
  cs->loop = loop;
  cs->done = done;
  cs->ud = ud;
  if (timing_params_init(&cs->tp, o) != 0) {
    struct scan_opts def;
    opts_init(&def);
    log_warn("invalid timing options; using -T3 defaults");
    timing_params_init(&cs->tp, &def);
  }
  long budget = fdlimit_socket_budget();
  cs->fd_budget = budget > 65536 ? 65536 : (unsigned)budget;
  /* --max-parallelism caps the windows, not the budget: --min-rate may
   * exceed it, as in Nmap. */
  cs->fd_cap = cs->fd_budget;
  cs->max_cwnd =
      cs->fd_budget < DEFAULT_MAX_CWND ? cs->fd_budget : DEFAULT_MAX_CWND;
  cwnd_init(&cs->gcw, INITIAL_CWND, cs->tp.min_parallelism,
            cs->tp.max_parallelism > 0 ? (double)cs->tp.max_parallelism
                                       : (double)cs->max_cwnd);
  rtt_init(&cs->grtt, &cs->tp);
  cs->start_us = probe_now_us();
  cs->in_order = o->no_randomize_ports;
  cs->rng = (uint64_t)uv_hrtime() * 2654435761u ^ (uint64_t)uv_os_getpid();
  if (cs->rng == 0)
    cs->rng = 1;
  ratelimit_init(&cs->rl, cs->tp.max_rate, cs->start_us);
  cs->pool = probe_pool_new(loop, default_workers(), on_results, cs);
  uv_timer_init(loop, &cs->timer);
  cs->timer.data = cs;
  return cs;
}

void connect_scan_set_first_answer(struct connect_scan *cs, int on) {
  cs->first_answer = on;
}

void connect_scan_add(struct connect_scan *cs, struct host *h,
                      const struct portlist *pl) {
  struct chost *ch = xcalloc(1, sizeof *ch);
  ch->cs = cs;
  ch->h = h;
  ch->ports = pl->ports[PROTO_TCP];
  ch->nports = pl->n[PROTO_TCP];
  ch->remaining = ch->nports;
  choose_order(cs, ch, cs->in_order);
  ch->start_us = probe_now_us();
  rtt_init(&ch->rtt, &cs->tp);
  cwnd_init(&ch->cw, INITIAL_CWND, cs->tp.min_parallelism,
            cs->tp.max_parallelism > 0 ? (double)cs->tp.max_parallelism
                                       : (double)cs->max_cwnd);
  if (h->start_time == 0)
    h->start_time = epoch_now();
  ch->all_next = cs->all;
  if (cs->all)
    cs->all->all_prev = ch;
  cs->all = ch;
  cs->pending++;
  if (ch->nports == 0 || cs->stopped) {
    complete(cs, ch);
    reap(cs);
    return;
  }
  ready_push(cs, ch);
  if (!cs->timer_on) {
    uv_timer_start(&cs->timer, on_tick, TICK_MS, TICK_MS);
    cs->timer_on = 1;
  }
  pump(cs);
}

size_t connect_scan_pending(const struct connect_scan *cs) {
  return cs->pending;
}

void connect_scan_stop(struct connect_scan *cs) {
  if (cs->stopped)
    return;
  cs->stopped = 1;
  cs->busy++;
  struct chost *ch = cs->all;
  while (ch) {
    struct chost *nx = ch->all_next;
    complete(cs, ch);
    ch = nx;
  }
  cs->busy--;
  reap(cs);
}

static void timer_closed(uv_handle_t *hd) {
  struct connect_scan *cs = hd->data;
  free(cs);
}

static void drop_probe(struct probe *p) {
  free(p);
}

static void really_free(struct connect_scan *cs) {
  log_debug(1,
            "Connect scan: %llu probes sent, %llu timed out, %llu deferred "
            "(no socket or port free), window %.0f, timeout %lld us",
            (unsigned long long)cs->sent_total,
            (unsigned long long)cs->n_timeouts, (unsigned long long)cs->n_again,
            cs->gcw.cwnd, (long long)cs->grtt.timeout_us);
  probe_pool_free(cs->pool, drop_probe);
  cs->grave = NULL; /* every chost is on cs->all too */
  while (cs->all)
    chost_unlink_free(cs, cs->all);
  while (cs->free_probes) {
    struct probe *p = cs->free_probes;
    cs->free_probes = p->next;
    free(p);
  }
  uv_timer_stop(&cs->timer);
  uv_close((uv_handle_t *)&cs->timer, timer_closed);
}

void connect_scan_free(struct connect_scan *cs) {
  if (cs == NULL)
    return;
  if (cs->busy > 0) {
    cs->free_pending = 1;
    return;
  }
  really_free(cs);
}
