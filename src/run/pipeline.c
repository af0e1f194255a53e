/* The pipeline (see run.h): one libuv loop in the main thread drives every
 * stage through callbacks.
 *
 * Phases: prescan scripts -> hosts -> postscan scripts -> end. In the hosts
 * phase each host walks: [forward lookup] -> [discovery] -> [reverse
 * lookup] -> [port scan] -> [host/port scripts] -> writers -> free.
 *
 * Invariants:
 * - At most `group` hosts and pending forward lookups are in flight, so
 *   memory is bounded whatever the size of the target space.
 * - feed() never recurses: a host finishing synchronously inside feed()
 *   only marks that more may be fed; feed() also hands control back to the
 *   loop after a bounded batch (uv_idle), so SIGINT is seen even in a
 *   list scan of a /0.
 * - After a stop (SIGINT, broken output), hosts that complete are freed
 *   without being written: their port results are partial. The exception
 *   is a host that was in its script phase when a signal came: its port
 *   results are complete, so it is written with the script results that
 *   already exist (issue #3). writer_end always runs. */
#include "run/run.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/errcode.h"
#include "core/log.h"
#include "core/targets.h"
#include "core/timing.h"
#include "core/xalloc.h"
#include "nse/engine.h"
#include "net/fdlimit.h"
#include "output/output.h"
#include "run/outputs.h"
#include "run/plan.h"
#include "run/progress.h"
#include "run/resolve.h"
#include "scan/scan.h"

enum phase { PH_PRESCAN, PH_HOSTS, PH_POSTSCAN, PH_DONE };

/* Where a host is, for the progress line. */
enum stage { ST_DNS, ST_DISCOVERY, ST_RDNS, ST_PORTSCAN, ST_SCRIPTS, ST_N };

struct pipeline {
  uv_loop_t loop;
  const struct scan_opts *o;
  struct target_stream *ts;
  struct portlist ports;
  struct outputs out;
  struct run_info ri;
  struct connect_scan *cs;
  struct discovery *disc;
  struct nse_engine *nse;
  struct resolver *res;
  struct progress *prog;
  uv_signal_t sigint, sigterm;
  uv_idle_t idle;
  uv_timer_t force;

  enum phase phase;
  unsigned group;
  size_t inflight;
  size_t in_stage[ST_N];
  int eof, feeding, stopping, stop_called, signo, out_broken, stalled;
  uint64_t seq;
  /* Finished hosts wait in `held` (a min-heap by seq) until every host
   * started before them is written: reports list hosts in start (target)
   * order, as Nmap's do, while each host's stages still run on their own.
   * Held hosts count as in flight, so the group size bounds the heap. */
  uint64_t next_write;
  struct held *held;
  size_t nheld, held_cap;
  unsigned long up, down, total, completed;
  double start;
  struct script_results pre, post;
  struct others *others; /* see keep_others */
  struct target *shuf;   /* see next_target */
  size_t shuf_n, shuf_i;
  uint64_t rng;
  /* -v narration of the connect scan, as Nmap's "Initiating ..." lines. */
  int cs_started;
  double cs_start;
  unsigned long cs_hosts;
};

/* A finished host waiting for its turn in the reports. */
struct held {
  struct host *h;
  int write; /* decided when it finished */
};

/* A host with its pipeline, for the stage callbacks that carry only one
 * user pointer. */
struct host_box {
  struct pipeline *p;
  struct host *h;
};

/* Addresses of a resolved name beyond the one scanned. */
struct others {
  char *name;
  char **addrs;
  size_t n;
  struct others *next;
};

/* One lookup of a target name in flight. */
struct fwd {
  struct pipeline *p;
  char *name;
  int prefix;
};

static void feed(struct pipeline *p);
static void check_done(struct pipeline *p);
static void stop_all(struct pipeline *p);
static void take_others(struct pipeline *p, struct host *h, const char *name);

static double now_epoch(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* -v lines go to the screen only; a report on stdout must stay clean. */
static int narrate(const struct pipeline *p) {
  return log_verbosity > 0 && !p->out.stdout_used;
}

static void clock_text(char *buf, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(buf, len, "%H:%M", &tm);
}

/* ---- Host lifecycle --------------------------------------------------- */

static void set_stage(struct pipeline *p, struct host *h, int st) {
  intptr_t old = (intptr_t)h->user;
  if (old > 0)
    p->in_stage[old - 1]--;
  if (st >= 0)
    p->in_stage[st]++;
  h->user = (void *)(intptr_t)(st + 1);
}

/* write: WRITE_NO, WRITE_YES (unless stopped), or WRITE_SCRIPTED (also
 * after a SIGINT/SIGTERM stop: see keep_scripted). */
enum { WRITE_NO, WRITE_YES, WRITE_SCRIPTED };

/* Script results that exist when a signal stops the run are written
 * (issue #3); after a broken output or a stall nothing more is. */
static int keep_scripted(const struct pipeline *p) {
  return !p->out_broken && !p->stalled;
}

/* Writes (when decided so and the output still works) and frees h. */
static void emit_host(struct pipeline *p, struct host *h, int write) {
  if (write && !p->out_broken) {
    for (size_t i = 0; i < p->out.n; i++)
      writer_host(p->out.w[i], h);
    if (outputs_failed(&p->out)) {
      /* Nobody reads the report any more (closed pipe, full disk): stop
       * scanning instead of probing for nothing. */
      p->out_broken = 1;
      stop_all(p);
    }
  }
  host_free(h);
  p->completed++;
  p->inflight--;
}

static int held_before(const struct held *a, const struct held *b) {
  return a->h->seq < b->h->seq;
}

static void held_push(struct pipeline *p, struct host *h, int write) {
  p->held = xgrow(p->held, &p->held_cap, p->nheld + 1, sizeof *p->held);
  size_t i = p->nheld++;
  p->held[i] = (struct held){h, write};
  while (i > 0 && held_before(&p->held[i], &p->held[(i - 1) / 2])) {
    struct held t = p->held[i];
    p->held[i] = p->held[(i - 1) / 2];
    p->held[(i - 1) / 2] = t;
    i = (i - 1) / 2;
  }
}

static struct held held_pop(struct pipeline *p) {
  struct held top = p->held[0];
  p->held[0] = p->held[--p->nheld];
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < p->nheld && held_before(&p->held[l], &p->held[m]))
      m = l;
    if (r < p->nheld && held_before(&p->held[r], &p->held[m]))
      m = r;
    if (m == i)
      break;
    struct held t = p->held[i];
    p->held[i] = p->held[m];
    p->held[m] = t;
    i = m;
  }
  return top;
}

/* Emits the held hosts whose turn has come; with `all`, every held host in
 * order even across gaps (a forced end: a stage never finished a host). */
static void release_held(struct pipeline *p, int all) {
  while (p->nheld > 0 && (all || p->held[0].h->seq == p->next_write)) {
    struct held x = held_pop(p);
    p->next_write = x.h->seq + 1;
    emit_host(p, x.h, x.write);
  }
}

static void finish_host(struct pipeline *p, struct host *h, int write) {
  set_stage(p, h, -1);
  if (h->end_time == 0)
    h->end_time = now_epoch();
  held_push(p, h,
            write == WRITE_SCRIPTED ? keep_scripted(p)
                                    : write == WRITE_YES && !p->stopping);
  release_held(p, 0);
  feed(p);
}

static void box_scripts_done(void *ud) {
  struct host_box *b = ud;
  struct pipeline *p = b->p;
  struct host *h = b->h;
  free(b);
  finish_host(p, h, WRITE_SCRIPTED);
}

static void port_scan_done(struct host *h, void *ud) {
  struct pipeline *p = ud;
  if (narrate(p) && !p->o->ping_only && !p->stopping) {
    size_t n = host_state_count(h, PROTO_TCP, PS_OPEN);
    log_verbose(1,
                "Completed Connect Scan against %s in %.2fs (%zu open "
                "port%s)",
                h->ip, now_epoch() - h->start_time, n, n == 1 ? "" : "s");
  }
  if (p->stopping) {
    finish_host(p, h, WRITE_NO);
    return;
  }
  if (p->nse != NULL && !h->timed_out) {
    struct host_box *b = xmalloc(sizeof *b);
    b->p = p;
    b->h = h;
    set_stage(p, h, ST_SCRIPTS);
    nse_engine_host(p->nse, h, box_scripts_done, b);
    return;
  }
  finish_host(p, h, WRITE_YES);
}

static void after_rdns(struct pipeline *p, struct host *h) {
  if (p->stopping) {
    finish_host(p, h, WRITE_NO);
    return;
  }
  if (p->o->list_scan || h->status != HOST_UP) {
    finish_host(p, h, WRITE_YES);
    return;
  }
  if (p->o->ping_only) {
    /* -sn --script still runs host scripts, as Nmap does. */
    port_scan_done(h, p);
    return;
  }
  set_stage(p, h, ST_PORTSCAN);
  if (narrate(p)) {
    if (!p->cs_started) {
      char hm[16];
      clock_text(hm, sizeof hm);
      log_verbose(1, "Initiating Connect Scan at %s", hm);
      p->cs_start = now_epoch();
      p->cs_started = 1;
    }
    log_verbose(1, "Scanning %s [%zu port%s]", h->ip, portlist_total(&p->ports),
                portlist_total(&p->ports) == 1 ? "" : "s");
  }
  p->cs_hosts++;
  connect_scan_add(p->cs, h, &p->ports);
}

static void rdns_done(int status, const char *name, void *ud) {
  struct host_box *b = ud;
  struct pipeline *p = b->p;
  struct host *h = b->h;
  free(b);
  if (status == 0 && name != NULL && strcmp(name, h->ip) != 0)
    service_set_str(&h->name, name);
  after_rdns(p, h);
}

/* Reverse lookup as Nmap: up hosts unless -n, every host with -R. */
static void maybe_rdns(struct pipeline *p, struct host *h) {
  const struct scan_opts *o = p->o;
  int want = !o->no_resolve &&
             (o->always_resolve || o->list_scan || h->status == HOST_UP);
  if (!want || p->stopping) {
    after_rdns(p, h);
    return;
  }
  struct host_box *b = xmalloc(sizeof *b);
  b->p = p;
  b->h = h;
  set_stage(p, h, ST_RDNS);
  resolver_reverse(p->res, (const struct sockaddr *)&h->addr, rdns_done, b);
}

static void discovery_done(struct host *h, void *ud) {
  struct pipeline *p = ud;
  if (h->status == HOST_UP)
    p->up++;
  else
    p->down++;
  maybe_rdns(p, h);
}

static void start_host(struct pipeline *p, struct target *t) {
  struct host *h = host_new((const struct sockaddr *)&t->addr, t->addrlen);
  if (t->name != NULL) {
    h->targetname = xstrdup(t->name);
    if (p->others != NULL)
      take_others(p, h, t->name);
  }
  h->seq = p->seq++;
  h->start_time = now_epoch();
  h->user = NULL;
  p->total++;
  p->inflight++;
  if (p->o->list_scan) {
    /* Nmap lists such hosts as state unknown, reason user-set, and counts
     * them as down in its totals. */
    h->status = HOST_UNKNOWN;
    h->reason = RSN_USER_SET;
    p->down++;
    maybe_rdns(p, h);
  } else if (p->o->skip_discovery) {
    h->status = HOST_UP;
    h->reason = RSN_USER_SET;
    p->up++;
    maybe_rdns(p, h);
  } else {
    set_stage(p, h, ST_DISCOVERY);
    discovery_add(p->disc, h);
  }
}

static socklen_t sa_len(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                   : sizeof(struct sockaddr_in);
}

/* Keeps the addresses after the first for the host that the stream yields
 * next for this name ("Other addresses for x (not scanned)"). */
static void keep_others(struct pipeline *p, const char *name,
                        const struct sockaddr_storage *addrs, size_t n) {
  struct others *ot = xcalloc(1, sizeof *ot);
  ot->name = xstrdup(name);
  ot->addrs = xcalloc(n, sizeof *ot->addrs);
  for (size_t i = 0; i < n; i++) {
    char buf[INET6_ADDRSTRLEN] = "";
    const void *a =
        addrs[i].ss_family == AF_INET6
            ? (const void *)&((const struct sockaddr_in6 *)&addrs[i])->sin6_addr
            : (const void *)&((const struct sockaddr_in *)&addrs[i])->sin_addr;
    inet_ntop(addrs[i].ss_family, a, buf, sizeof buf);
    ot->addrs[i] = xstrdup(buf);
  }
  ot->n = n;
  ot->next = p->others;
  p->others = ot;
}

static void free_others(struct others *ot) {
  for (size_t i = 0; i < ot->n; i++)
    free(ot->addrs[i]);
  free(ot->addrs);
  free(ot->name);
  free(ot);
}

/* Hands the kept addresses of `name` to h (first match only). */
static void take_others(struct pipeline *p, struct host *h, const char *name) {
  for (struct others **pp = &p->others; *pp != NULL; pp = &(*pp)->next) {
    struct others *ot = *pp;
    if (strcmp(ot->name, name) != 0)
      continue;
    *pp = ot->next;
    h->other_addrs = ot->addrs;
    h->nother_addrs = ot->n;
    ot->addrs = NULL;
    ot->n = 0;
    free_others(ot);
    return;
  }
}

static void fwd_done(int status, const struct sockaddr_storage *addrs,
                     size_t naddrs, void *ud) {
  struct fwd *f = ud;
  struct pipeline *p = f->p;
  p->in_stage[ST_DNS]--;
  if (status == 0 && !p->stopping) {
    const struct sockaddr *addr = (const struct sockaddr *)&addrs[0];
    if (target_stream_is_excluded(p->ts, addr)) {
      log_debug(1, "Skipping %s: excluded", f->name);
    } else {
      if (naddrs > 1 && f->prefix < 0)
        keep_others(p, f->name, addrs + 1, naddrs - 1);
      target_stream_push_resolved(p->ts, f->name, addr, sa_len(&addrs[0]),
                                  f->prefix);
    }
  } else if (status != 0 && status != UV_ECANCELED && !p->stopping) {
    log_error("Failed to resolve \"%s\".", f->name);
  }
  free(f->name);
  free(f);
  p->inflight--;
  /* The stream yields the pushed address next. */
  p->eof = 0;
  feed(p);
}

static void start_lookup(struct pipeline *p, struct target *t) {
  struct fwd *f = xmalloc(sizeof *f);
  f->p = p;
  f->name = xstrdup(t->name);
  f->prefix = t->prefix;
  p->inflight++;
  p->in_stage[ST_DNS]++;
  resolver_forward(p->res, t->name, t->family ? t->family : p->o->af, fwd_done,
                   f);
}

/* ---- Feeding the stages ----------------------------------------------- */

static void stream_warn(const char *msg, void *ud) {
  (void)ud;
  log_error("%s", msg);
}

static void on_idle(uv_idle_t *h) {
  feed(h->data);
}

/* --randomize-hosts: the stream is read in blocks of SHUFFLE_BLOCK targets
 * that are shuffled before they are handed out, as Nmap shuffles groups of
 * up to 16384 hosts; memory stays bounded by the block. */
#define SHUFFLE_BLOCK 16384

static uint64_t next_random(struct pipeline *p) {
  /* xorshift64*: plenty for an order, not for secrets. */
  uint64_t x = p->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  p->rng = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static int next_target(struct pipeline *p, struct target *t) {
  if (!p->o->randomize_hosts)
    return target_stream_next(p->ts, t, stream_warn, p);
  if (p->shuf_i == p->shuf_n) {
    if (p->shuf == NULL)
      p->shuf = xcalloc(SHUFFLE_BLOCK, sizeof *p->shuf);
    p->shuf_n = p->shuf_i = 0;
    while (p->shuf_n < SHUFFLE_BLOCK) {
      memset(&p->shuf[p->shuf_n], 0, sizeof p->shuf[p->shuf_n]);
      if (target_stream_next(p->ts, &p->shuf[p->shuf_n], stream_warn, p) == 0)
        break;
      p->shuf_n++;
    }
    for (size_t i = p->shuf_n; i > 1; i--) {
      size_t j = (size_t)(next_random(p) % i);
      struct target tmp = p->shuf[i - 1];
      p->shuf[i - 1] = p->shuf[j];
      p->shuf[j] = tmp;
    }
    if (p->shuf_n == 0)
      return 0;
  }
  /* Ownership of the name moves to the caller. */
  *t = p->shuf[p->shuf_i++];
  return 1;
}

static void feed(struct pipeline *p) {
  if (p->feeding || p->phase != PH_HOSTS)
    return;
  p->feeding = 1;
  /* A bounded batch per turn of the loop keeps signals and timers live. */
  int budget = 256;
  while (!p->stopping && !p->eof && p->inflight < p->group && budget > 0) {
    struct target t;
    memset(&t, 0, sizeof t);
    if (next_target(p, &t) == 0) {
      p->eof = 1;
      break;
    }
    budget--;
    if (t.kind == TARGET_NAME)
      start_lookup(p, &t);
    else
      start_host(p, &t);
    target_clear(&t);
  }
  p->feeding = 0;
  if (!p->stopping && !p->eof && p->inflight < p->group)
    uv_idle_start(&p->idle, on_idle);
  else
    uv_idle_stop(&p->idle);
  check_done(p);
}

/* ---- Phases ----------------------------------------------------------- */

static void end_run(struct pipeline *p) {
  if (narrate(p) && p->cs_started) {
    char hm[16];
    clock_text(hm, sizeof hm);
    log_verbose(1,
                "Completed Connect Scan at %s, %.2fs elapsed (%lu total "
                "ports)",
                hm, now_epoch() - p->cs_start,
                p->cs_hosts * (unsigned long)portlist_total(&p->ports));
  }
  p->phase = PH_DONE;
  uv_idle_stop(&p->idle);
  uv_stop(&p->loop);
}

static void postscan_done(void *ud) {
  struct pipeline *p = ud;
  if (keep_scripted(p))
    for (size_t i = 0; i < p->out.n; i++)
      writer_postscan(p->out.w[i], &p->post);
  end_run(p);
}

static void check_done(struct pipeline *p) {
  if (p->phase != PH_HOSTS || p->feeding || p->inflight > 0)
    return;
  if (!p->eof && !p->stopping)
    return;
  if (p->nse != NULL && !p->stopping) {
    p->phase = PH_POSTSCAN;
    nse_engine_postscan(p->nse, &p->post, postscan_done, p);
    return;
  }
  end_run(p);
}

static void prescan_done(void *ud) {
  struct pipeline *p = ud;
  if (keep_scripted(p))
    for (size_t i = 0; i < p->out.n; i++)
      writer_prescan(p->out.w[i], &p->pre);
  p->phase = PH_HOSTS;
  feed(p);
}

static int add_target_cb(const char *spec, void *ud) {
  struct pipeline *p = ud;
  char msg[256] = "";
  int rc = target_stream_add(p->ts, spec, msg, sizeof msg);
  if (rc != 0) {
    log_debug(1, "Script target %s refused: %s", spec, msg);
    return rc;
  }
  p->eof = 0;
  feed(p);
  return 0;
}

/* ---- Signals and progress --------------------------------------------- */

static void on_force(uv_timer_t *t) {
  struct pipeline *p = t->data;
  log_error("Stages did not stop in time; writing what is finished.");
  end_run(p);
}

static void stop_all(struct pipeline *p) {
  if (p->stop_called)
    return;
  p->stop_called = 1;
  p->stopping = 1;
  uv_idle_stop(&p->idle);
  if (p->cs != NULL)
    connect_scan_stop(p->cs);
  if (p->disc != NULL)
    discovery_stop(p->disc);
  if (p->nse != NULL)
    nse_engine_stop(p->nse);
  /* The stages promise to complete their hosts; if one does not, do not
   * hang: close the report anyway after a grace period. */
  uv_timer_start(&p->force, on_force, 5000, 0);
  check_done(p);
}

static void on_signal(uv_signal_t *s, int signum) {
  struct pipeline *p = s->data;
  if (p->signo != 0)
    return;
  p->signo = signum;
  /* A second Ctrl-C should kill the process: give the signal back. */
  uv_signal_stop(&p->sigint);
  uv_signal_stop(&p->sigterm);
  log_error("caught %s signal, cleaning up",
            signum == SIGINT ? "SIGINT" : "SIGTERM");
  stop_all(p);
}

static void print_progress(FILE *f, void *ud) {
  struct pipeline *p = ud;
  static const char *const names[ST_N] = {"Name Resolution", "Ping Scan",
                                          "Reverse DNS", "Connect Scan",
                                          "Script Scan"};
  long el = (long)(now_epoch() - p->start);
  fprintf(f, "Stats: %ld:%02ld:%02ld elapsed; %lu hosts completed (%lu up)",
          el / 3600, el / 60 % 60, el % 60, p->completed, p->up);
  for (int i = 0; i < ST_N; i++)
    if (p->in_stage[i] > 0)
      fprintf(f, ", %zu undergoing %s", p->in_stage[i], names[i]);
  fputc('\n', f);
  if (p->nse) /* script instances: counts, oldest, estimate (issue #5) */
    nse_stats_print(p->nse, f);
  fflush(f);
}

/* -d: the effective timing values, in the layout of Nmap's report. */
static void debug_timing_report(const struct pipeline *p) {
  struct timing_params tp;
  if (log_debugging < 1 || p->out.stdout_used ||
      timing_params_init(&tp, p->o) != 0)
    return;
  log_debug(1, "--------------- Timing report ---------------");
  log_debug(1, "  hostgroups: min %d, max %u",
            p->o->min_hostgroup > 0 ? p->o->min_hostgroup : 1, p->group);
  log_debug(1, "  rtt-timeouts: init %lld, min %lld, max %lld",
            (long long)(tp.initial_rtt_us / 1000),
            (long long)(tp.min_rtt_us / 1000),
            (long long)(tp.max_rtt_us / 1000));
  log_debug(1, "  max-scan-delay: TCP %lld, UDP %lld, SCTP %lld",
            (long long)(tp.max_scan_delay_us / 1000),
            (long long)(tp.max_scan_delay_us / 1000),
            (long long)(tp.max_scan_delay_us / 1000));
  log_debug(1, "  parallelism: min %d, max %d", tp.min_parallelism,
            tp.max_parallelism);
  log_debug(1, "  max-retries: %d, host-timeout: %lld", tp.max_retries,
            (long long)(tp.host_timeout_us / 1000));
  log_debug(1, "  min-rate: %g, max-rate: %g", tp.min_rate, tp.max_rate);
  log_debug(1, "---------------------------------------------");
}

/* ---- Set-up and tear-down --------------------------------------------- */

static void walk_close(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h))
    uv_close(h, NULL);
}

static void teardown(struct pipeline *p) {
  /* Lookups still pending (only after a forced stop) are cancelled first,
   * while the stages their callbacks lead to still exist. */
  resolver_free(p->res);
  p->res = NULL;
  progress_free(p->prog);
  if (p->cs != NULL)
    connect_scan_free(p->cs);
  if (p->disc != NULL)
    discovery_free(p->disc);
  if (p->nse != NULL)
    nse_engine_free(p->nse);
  uv_close((uv_handle_t *)&p->sigint, NULL);
  uv_close((uv_handle_t *)&p->sigterm, NULL);
  uv_close((uv_handle_t *)&p->idle, NULL);
  uv_close((uv_handle_t *)&p->force, NULL);
  uv_run(&p->loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&p->loop) != 0) {
    /* Only after a forced stop: close what a stage left behind. */
    uv_walk(&p->loop, walk_close, NULL);
    uv_run(&p->loop, UV_RUN_DEFAULT);
    uv_loop_close(&p->loop);
  }
  while (p->others != NULL) {
    struct others *ot = p->others;
    p->others = ot->next;
    free_others(ot);
  }
  for (size_t i = p->shuf_i; i < p->shuf_n; i++)
    target_clear(&p->shuf[i]);
  free(p->shuf);
  target_stream_free(p->ts);
  portlist_free(&p->ports);
  sresults_clear(&p->pre);
  sresults_clear(&p->post);
}

static void finish_report(struct pipeline *p) {
  release_held(p, 1);
  free(p->held);
  p->held = NULL;
  struct run_stats st;
  memset(&st, 0, sizeof st);
  st.end_time = now_epoch();
  st.elapsed = st.end_time - p->start;
  st.hosts_up = p->up;
  st.hosts_down = p->down;
  st.hosts_total = p->total;
  st.interrupted = p->signo != 0 || p->out_broken || p->stalled;
  if (p->signo != 0)
    st.exit_reason = "interrupted";
  if (p->total == 0 && p->signo == 0)
    log_warn("No targets were specified, so 0 hosts scanned.");
  for (size_t i = 0; i < p->out.n; i++)
    writer_end(p->out.w[i], &st);
}

static int init_stages(struct pipeline *p) {
  const struct scan_opts *o = p->o;
  int rc = resolver_new(&p->loop, o->dns_servers, &p->res);
  if (rc != 0) {
    log_error("Invalid --dns-servers \"%s\": %s\nQUITTING!",
              o->dns_servers ? o->dns_servers : "", pt_strerror(rc));
    return rc;
  }
  if (o->script_scan || o->version_detect) {
    char *err = NULL;
    rc = nse_engine_new(&p->nse, &p->loop, o, &err);
    if (rc != 0) {
      log_error("NSE: failed to initialize the script engine:\n%s\n\n"
                "QUITTING!",
                err ? err : pt_strerror(rc));
      free(err);
      p->nse = NULL;
      return rc;
    }
    if (nse_engine_script_count(p->nse) == 0 && !o->script_scan) {
      nse_engine_free(p->nse);
      p->nse = NULL;
    } else {
      nse_engine_set_target_cb(p->nse, add_target_cb, p);
    }
  }
  if (!o->list_scan) {
    if (!o->skip_discovery)
      p->disc = discovery_new(&p->loop, o, discovery_done, p);
    if (!o->ping_only)
      p->cs = connect_scan_new(&p->loop, o, port_scan_done, p);
  }
  return 0;
}

int run_scan(const struct scan_opts *o, const char *cmdline) {
  struct pipeline *p = xcalloc(1, sizeof *p);
  char err[512] = "";
  int rc, status = RUN_OK;
  p->o = o;
  p->start = now_epoch();
  /* Raise the descriptor limit before any stage sizes itself from it: the
   * scanner's socket budget and the script engine's socket lock both do. */
  fdlimit_raise();
  p->rng = ((uint64_t)getpid() << 32) ^ (uint64_t)(p->start * 1e6) ^
           0x9E3779B97F4A7C15ULL;
  uv_loop_init(&p->loop);
  uv_signal_init(&p->loop, &p->sigint);
  uv_signal_init(&p->loop, &p->sigterm);
  uv_idle_init(&p->loop, &p->idle);
  uv_timer_init(&p->loop, &p->force);
  p->sigint.data = p->sigterm.data = p->idle.data = p->force.data = p;
  /* The timers and the idle handle must not keep the loop alive. */
  uv_unref((uv_handle_t *)&p->force);

  if ((rc = plan_ports(o, &p->ports, err, sizeof err)) != 0 ||
      (rc = plan_targets(o, &p->ts, err, sizeof err)) != 0 ||
      (rc = outputs_open(&p->out, o, err, sizeof err)) != 0) {
    log_error("%s\nQUITTING!", err);
    status = RUN_ERROR;
    goto out;
  }
  if (init_stages(p) != 0) {
    status = RUN_ERROR;
    goto close_outputs;
  }
  p->group = plan_group_size(o, portlist_total(&p->ports));

  p->ri.opts = o;
  p->ri.args = cmdline;
  p->ri.start_time = p->start;
  p->ri.ports = &p->ports;
  p->ri.scan_type = "connect";
  for (size_t i = 0; i < p->out.n; i++)
    writer_begin(p->out.w[i], &p->ri);
  debug_timing_report(p);

  uv_signal_start(&p->sigint, on_signal, SIGINT);
  uv_signal_start(&p->sigterm, on_signal, SIGTERM);
  int keys = o->input_file == NULL || strcmp(o->input_file, "-") != 0;
  p->prog =
      progress_new(&p->loop, o->stats_every_ms, keys,
                   p->out.stdout_used ? stderr : stdout, print_progress, p);

  if (p->nse != NULL) {
    p->phase = PH_PRESCAN;
    nse_engine_prescan(p->nse, &p->pre, prescan_done, p);
  } else {
    p->phase = PH_HOSTS;
    feed(p);
  }
  while (p->phase != PH_DONE)
    if (uv_run(&p->loop, UV_RUN_DEFAULT) == 0 && p->phase != PH_DONE) {
      /* Nothing left to wait for, yet a phase never ended: a stage lost
       * a callback. Report what we have rather than hang. */
      log_error("internal: the scan stalled; writing what is finished.");
      p->stopping = 1;
      p->stalled = 1;
      break;
    }
  uv_timer_stop(&p->force);
  finish_report(p);
  if (p->signo != 0)
    status = RUN_INTERRUPTED;
  else if (p->out_broken || p->stalled)
    status = RUN_ERROR;
close_outputs:
  outputs_close(&p->out);
out:
  teardown(p);
  free(p);
  return status;
}
