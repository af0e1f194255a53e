/* The script scheduler (NSE-NOTES §5): script threads as Lua coroutines
 * run cooperatively on the libuv loop of the main thread. This file holds
 * the jobs, runlevels, thread generator and the pass; thread.c one
 * thread's life.
 *
 * A job is one phase call (pre-scan, one host, post-scan). It runs its
 * runlevels in order; each runlevel creates one candidate thread per rule
 * and target, and ends when its last base thread ends (workers left then
 * are orphans and are dropped, §5.4 step 8).
 *
 * Invariants:
 * - Lua is entered only from pass(), the idle callback that runs while any
 *   thread is ready; I/O callbacks only call sched_wake().
 * - s->current is the thread being resumed (NULL otherwise); blocking calls
 *   in nested coroutines belong to it, so sched_current() needs no map.
 * - A blocking call yields the light userdata `nse_yield_marker`; the
 *   coroutine replacements (engine.c) pass it up through nested coroutines.
 * - A thread's memory outlives its end while requests hold it (refs).
 * - Done callbacks run last in a pass, after which the pass touches no
 *   engine state, so a callback may start another job or free the
 *   engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "nse/hostinfo.h"
#include "nse/sched_int.h"
#include "nse/watchdog.h"

const char nse_yield_marker = 0;

struct done_call {
  nse_done_fn fn;
  void *ud;
};

uint64_t sched_now_ms(struct sched *s) {
  return uv_now(s->e->loop);
}

static void pass(uv_idle_t *idle);

static void schedule(struct sched *s) {
  if (!uv_is_active((uv_handle_t *)s->idle))
    uv_idle_start(s->idle, pass);
}

void sched_push_ready(struct nse_thread *t) {
  struct sched *s = t->s;
  t->state = T_READY;
  t->next_ready = NULL;
  if (s->ready_tail)
    s->ready_tail->next_ready = t;
  else
    s->ready = t;
  s->ready_tail = t;
  t->refs++;
  schedule(s);
}

void sched_wake(struct nse_thread *t) {
  if (t->state == T_WAITING)
    sched_push_ready(t);
  else if (t->state == T_RUNNING)
    t->woken = 1;
}

struct nse_thread *sched_current(lua_State *L) {
  struct nse_engine *e = nse_engine_of(L);
  return e && e->sched ? e->sched->current : NULL;
}

int sched_yield_lua(lua_State *L, lua_KContext ctx, lua_KFunction k) {
  struct nse_thread *t = sched_current(L);
  if (t == NULL || !lua_isyieldable(L))
    return luaL_error(L, "attempt to yield outside a running script");
  lua_pushlightuserdata(L, (void *)&nse_yield_marker);
  return lua_yieldk(L, 1, ctx, k);
}

void sched_on_close(struct nse_thread *t, void *key, sched_close_fn fn,
                    void *ud) {
  for (struct close_handler *c = t->handlers; c; c = c->next)
    if (c->key == key) {
      c->fn = fn;
      c->ud = ud;
      return;
    }
  struct close_handler *c = xmalloc(sizeof *c);
  *c = (struct close_handler){key, fn, ud, t->handlers};
  t->handlers = c;
}

void sched_cancel_close(struct nse_thread *t, void *key) {
  for (struct close_handler **p = &t->handlers; *p; p = &(*p)->next)
    if ((*p)->key == key) {
      struct close_handler *c = *p;
      *p = c->next;
      free(c);
      return;
    }
}

struct nse_engine *sched_engine(lua_State *L) {
  return nse_engine_of(L);
}

uv_loop_t *sched_loop(lua_State *L) {
  return nse_engine_of(L)->loop;
}

const struct scan_opts *sched_opts(lua_State *L) {
  return nse_engine_of(L)->o;
}

static int portrule_state(const struct port *pt) {
  return pt->state == PS_OPEN || pt->state == PS_OPEN_FILTERED ||
         pt->state == PS_UNFILTERED;
}

/* "Initiating NSE at HH:MM" / "Completed NSE at HH:MM, N.NNs elapsed",
 * one pair per runlevel at -v or -d (§10.3). */
static void progress_line(struct job *j, int completed) {
  if ((log_verbosity < 1 && log_debugging < 1) || log_stdout_muted)
    return;
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  uint64_t ms = sched_now_ms(j->s);
  if (!completed) {
    j->level_start_ms = ms;
    printf("Initiating NSE at %02d:%02d\n", tm.tm_hour, tm.tm_min);
  } else {
    printf("Completed NSE at %02d:%02d, %.2fs elapsed\n", tm.tm_hour, tm.tm_min,
           (double)(ms - j->level_start_ms) / 1000.0);
  }
  fflush(stdout);
}

/* NSE-NOTES §5.3: at most this many live threads; new instances wait. */
#define CONCURRENCY_LIMIT 1000

static size_t thread_limit(const struct sched *s) {
  const struct scan_opts *o = s->e->o;
  if (o->max_script_threads > 0) /* --script-max-threads (Portolan) */
    return (size_t)o->max_script_threads;
  int mp = o->min_parallelism;
  return mp > CONCURRENCY_LIMIT ? (size_t)mp : CONCURRENCY_LIMIT;
}

/* Creates the runlevel's threads lazily, in Nmap's order (rule scripts,
 * then per port every portrule script), until the concurrency limit.
 * Ports are re-fetched on every call: scripts may add ports between
 * calls, which moves the array. Returns 1 when all are created. */
static int spawn_some(struct job *j) {
  struct sched *s = j->s;
  struct nse_engine *e = s->e;
  lua_State *L = e->L;
  if (!j->announced) {
    j->announced = 1;
    if ((log_verbosity >= 2 || log_debugging >= 1) && !log_stdout_muted)
      printf("NSE: Starting runlevel %d (of %d) scan.\n", j->runlevel,
             e->max_runlevel);
    progress_line(j, 0);
  }
  while (s->nlive < thread_limit(s)) {
    if (j->stage == 0) {
      if (j->gi >= e->nscripts) {
        j->stage = 1;
        j->gi = 0;
        j->gproto = 0;
        j->gnext = 0;
        j->gcur = -1;
        continue;
      }
      struct nse_script *sc = e->scripts[j->gi++];
      if (sc->runlevel != j->runlevel)
        continue;
      if (j->phase != RULE_HOST) {
        if (sc->has_rule[j->phase])
          thread_spawn(j, sc, j->phase, 0, NULL);
      } else if (sc->has_rule[RULE_HOST]) {
        nse_push_host(L, j->h);
        thread_spawn(j, sc, RULE_HOST, 1, NULL);
      }
      continue;
    }
    if (j->phase != RULE_HOST || j->gproto >= PROTO_COUNT)
      return 1;
    enum proto p = (enum proto)j->gproto;
    if (j->gcur < 0) {
      /* The first port numbered gnext or more; by number, not by index,
       * so ports added by scripts meanwhile neither repeat nor hide
       * one. */
      size_t n = 0, lo = 0, hi;
      struct port *ports = host_ports(j->h, p, &n);
      hi = n;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((long)ports[mid].number < j->gnext)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (lo >= n) {
        j->gproto++;
        j->gnext = 0;
        continue;
      }
      j->gcur = ports[lo].number;
      j->gnext = j->gcur + 1;
      j->gi = 0;
    }
    struct port *pt = host_port_get(j->h, p, (uint16_t)j->gcur);
    if (pt == NULL || !portrule_state(pt) || j->gi >= e->nscripts) {
      j->gcur = -1;
      continue;
    }
    struct nse_script *sc = e->scripts[j->gi++];
    if (sc->runlevel != j->runlevel || !sc->has_rule[RULE_PORT])
      continue;
    nse_push_host(L, j->h);
    nse_push_port(L, j->h, pt);
    thread_spawn(j, sc, RULE_PORT, 2, pt);
  }
  return 0;
}

/* Advances finished runlevels; returns 1 when the job is complete. */
static int job_step(struct job *j) {
  struct nse_engine *e = j->s->e;
  for (;;) {
    if (j->spawn && spawn_some(j))
      j->spawn = 0;
    if (j->nbase > 0 || j->spawn)
      return 0;
    progress_line(j, 1);
    if (j->nthreads > 0) {
      /* Nmap prints its count of all threads of the run here, not the
       * orphans; the line is matched as it is. */
      log_debug(1, "NSE: %zu orphans left!", j->created);
      while (j->threads) {
        j->threads->kill = KILL_ORPHAN;
        thread_end(j->threads);
      }
    }
    if (j->runlevel >= e->max_runlevel)
      return 1;
    j->runlevel++;
    j->spawn = 1;
    j->created = 0;
    j->announced = 0;
    j->stage = 0;
    j->gi = 0;
  }
}

static void job_free(struct job *j) {
  if (j->h)
    nse_host_end(j->s->e->L, j->h);
  free(j);
}

static void pass(uv_idle_t *idle) {
  struct sched *s = idle->data;
  s->in_pass = 1;
  /* Timeouts of waiting threads (§5.7), checked once per pass: the
   * script's own, and the host's clock, which runs from the first resume
   * of any of its threads; a host that runs out is reported as timed out
   * (h->timed_out) and its threads end without output. Instances over
   * their memory limit end here too (all their threads). */
  int64_t host_limit = s->e->o->host_timeout_ms;
  if (s->e->o->script_timeout_ms > 0 || host_limit > 0 || s->e->mem.nover > 0) {
    for (struct job *j = s->jobs; j; j = j->next) {
      int host_out = host_limit > 0 && j->h && j->started &&
                     sched_now_ms(s) - j->start_ms > (uint64_t)host_limit;
      if (host_out && !j->h->timed_out) {
        j->h->timed_out = 1;
        j->spawn = 0;
        j->runlevel = s->e->max_runlevel;
      }
      for (struct nse_thread *t = j->threads; t; t = t->next) {
        if (host_out && t->state == T_READY)
          t->kill = KILL_HOST; /* already queued */
        else if (t->state == T_WAITING &&
                 (host_out || (t->kill = thread_must_end(t)) != KILL_NONE)) {
          if (host_out)
            t->kill = KILL_HOST;
          sched_push_ready(t);
        }
      }
    }
  }
  struct nse_thread *batch = s->ready;
  s->ready = s->ready_tail = NULL;
  while (batch) {
    struct nse_thread *t = batch;
    batch = t->next_ready;
    if (t->state == T_READY)
      thread_resume(t);
    sched_thread_release(t);
  }
  lua_gc(s->e->L, LUA_GCSTEP, 0);

  struct done_call *calls = NULL;
  size_t ncalls = 0, cap = 0;
  for (struct job **p = &s->jobs; *p;) {
    struct job *j = *p;
    if (job_step(j)) {
      *p = j->next;
      calls = xgrow(calls, &cap, ncalls + 1, sizeof *calls);
      calls[ncalls++] = (struct done_call){j->done, j->ud};
      job_free(j);
    } else {
      p = &j->next;
    }
  }
  if (s->ready == NULL)
    uv_idle_stop(s->idle);
  s->in_pass = 0;
  for (size_t i = 0; i < ncalls; i++)
    calls[i].fn(calls[i].ud);
  free(calls);
}

static void tick_cb(uv_timer_t *tm) {
  /* Waking the pass is enough: it checks waiting threads' clocks. */
  struct sched *s = tm->data;
  if (s->jobs)
    schedule(s);
}

struct sched *sched_new(struct nse_engine *e) {
  struct sched *s = xcalloc(1, sizeof *s);
  lua_State *L = e->L;
  s->e = e;
  s->idle = xmalloc(sizeof *s->idle);
  uv_idle_init(e->loop, s->idle);
  s->idle->data = s;
  s->tick = xmalloc(sizeof *s->tick);
  uv_timer_init(e->loop, s->tick);
  s->tick->data = s;
  uv_unref((uv_handle_t *)s->tick);
  s->runner_ref = thread_runner_ref(L);
  if (watchdog_start(thread_kill_hook) != 0)
    log_error("NSE: cannot start the watchdog: CPU-bound scripts will not "
              "be interrupted");
  else
    s->watchdog = 1;
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  s->env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return s;
}

void sched_start_job(struct sched *s, enum nse_rule phase, struct host *h,
                     struct script_results *out, nse_done_fn done, void *ud) {
  struct job *j = xcalloc(1, sizeof *j);
  j->s = s;
  j->phase = phase;
  j->h = h;
  j->out = out;
  j->done = done;
  j->ud = ud;
  j->runlevel = 1;
  j->spawn = !s->stopped;
  if (s->stopped)
    j->runlevel = s->e->max_runlevel;
  if (h)
    nse_host_begin(s->e->L, h);
  j->next = s->jobs;
  s->jobs = j;
  if ((s->e->o->script_timeout_ms > 0 || s->e->o->host_timeout_ms > 0) &&
      !uv_is_active((uv_handle_t *)s->tick))
    uv_timer_start(s->tick, tick_cb, 200, 200);
  schedule(s);
}

void sched_stop_all(struct sched *s) {
  s->stopped = 1;
  for (struct job *j = s->jobs; j; j = j->next) {
    j->spawn = 0;
    j->runlevel = s->e->max_runlevel;
    for (struct nse_thread *t = j->threads; t; t = t->next) {
      t->kill = KILL_STOP;
      if (t->state == T_WAITING)
        sched_push_ready(t);
    }
  }
  uv_idle_start(s->idle, pass);
}

void sched_free(struct sched *s) {
  if (s == NULL)
    return;
  while (s->jobs) {
    struct job *j = s->jobs;
    s->jobs = j->next;
    while (j->threads)
      thread_end(j->threads);
    job_free(j);
  }
  struct nse_thread *r = s->ready;
  while (r) {
    struct nse_thread *n = r->next_ready;
    sched_thread_release(r);
    r = n;
  }
  if (s->watchdog)
    watchdog_stop();
  luaL_unref(s->e->L, LUA_REGISTRYINDEX, s->runner_ref);
  luaL_unref(s->e->L, LUA_REGISTRYINDEX, s->env_mt_ref);
  uv_close((uv_handle_t *)s->idle, (uv_close_cb)free);
  uv_close((uv_handle_t *)s->tick, (uv_close_cb)free);
  free(s);
}
