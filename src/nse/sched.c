/* The script scheduler (NSE-NOTES §5): script threads as Lua coroutines
 * run cooperatively on the libuv loop of the main thread.
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
 * - A blocking call yields the light userdata `yield_marker`; the
 *   coroutine replacements (coro.c) pass it up through nested coroutines.
 * - A thread's memory outlives its end while requests hold it (refs).
 * - Done callbacks run last in a pass, after which the pass touches no
 *   engine state, so a callback may start another job or free the
 *   engine. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "nse/hostinfo.h"
#include "nse/nse_int.h"
#include "nse/sched.h"

const char nse_yield_marker = 0;

enum tstate { T_READY, T_RUNNING, T_WAITING, T_DONE };
enum kill { KILL_NONE, KILL_TIMEOUT, KILL_STOP, KILL_ORPHAN, KILL_HOST };

struct close_handler {
  void *key;
  sched_close_fn fn;
  void *ud;
  struct close_handler *next;
};

struct job {
  struct sched *s;
  enum nse_rule phase; /* RULE_PRE, RULE_HOST (the host phase), RULE_POST */
  struct host *h;
  struct script_results *out;
  nse_done_fn done;
  void *ud;
  int runlevel;
  int spawn;       /* the runlevel's threads are still to be created */
  size_t nbase;    /* live base threads */
  size_t nthreads; /* live threads, workers included */
  struct nse_thread *threads;
  struct job *next;
  uint64_t level_start_ms;
  int started; /* some thread was resumed: the host clock runs */
  uint64_t start_ms;
  /* Thread generator cursor (spawn_some). */
  int announced;
  int stage; /* 0: rule scripts, 1: ports */
  size_t gi; /* next script index */
  int gproto;
  size_t gport;
};

struct nse_thread {
  struct sched *s;
  struct job *job;
  struct nse_script *script;
  lua_State *co;
  int co_ref;
  int nargs; /* values waiting on co's stack for the next resume */
  enum nse_rule rule;
  int has_port;
  uint16_t port;
  enum proto proto;
  int worker;
  int rec_ref;            /* worker: the table status_fn reads `error` from */
  int host_ref, port_ref; /* the instance's tables (stdnse.gethostport) */
  enum tstate state;
  int woken; /* woken while still running */
  enum kill kill;
  int action_started;
  int started;
  uint64_t start_ms;
  int refs;
  struct close_handler *handlers;
  struct nse_thread *next_ready;
  struct nse_thread *prev, *next; /* job->threads */
};

struct sched {
  struct nse_engine *e;
  uv_idle_t *idle;
  uv_timer_t *tick;
  struct nse_thread *ready, *ready_tail;
  struct nse_thread *current;
  struct job *jobs;
  int stopped;  /* nse_engine_stop: no new threads */
  size_t nlive; /* live threads of all jobs, workers included */
  int runner_ref;
  int env_mt_ref;
  int in_pass;
};

struct done_call {
  nse_done_fn fn;
  void *ud;
};

static uint64_t now_ms(struct sched *s) {
  return uv_now(s->e->loop);
}

static void pass(uv_idle_t *idle);

static void schedule(struct sched *s) {
  if (!uv_is_active((uv_handle_t *)s->idle))
    uv_idle_start(s->idle, pass);
}

static void push_ready(struct nse_thread *t) {
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

static void thread_free(struct nse_thread *t) {
  free(t);
}

void sched_thread_hold(struct nse_thread *t) {
  t->refs++;
}

void sched_thread_release(struct nse_thread *t) {
  if (--t->refs == 0)
    thread_free(t);
}

int sched_thread_alive(const struct nse_thread *t) {
  return t->state != T_DONE;
}

void sched_wake(struct nse_thread *t) {
  if (t->state == T_WAITING)
    push_ready(t);
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

/* "<id>" at -d1, "<id> M:<hex>" (or W:) from -d2 (§10.2). */
static void thread_info(const struct nse_thread *t, char *buf, size_t len) {
  if (log_debugging >= 2)
    snprintf(buf, len, "%s %c:%" PRIxPTR, t->script->id, t->worker ? 'W' : 'M',
             (uintptr_t)t->co);
  else
    snprintf(buf, len, "%s", t->script->id);
}

static void target_text(const struct nse_thread *t, char *buf, size_t len) {
  const struct host *h = t->job->h;
  buf[0] = '\0';
  if (h == NULL)
    return;
  char addr[INET6_ADDRSTRLEN + 8];
  if (t->has_port)
    snprintf(addr, sizeof addr, "%s:%u", h->ip, t->port);
  else
    snprintf(addr, sizeof addr, "%s", h->ip);
  if (h->targetname)
    snprintf(buf, len, " against %s (%s)", h->targetname, addr);
  else
    snprintf(buf, len, " against %s", addr);
}

void sched_thread_target(lua_State *L, char *buf, size_t len) {
  struct nse_thread *t = sched_current(L);
  buf[0] = '\0';
  if (t && t->job->h) {
    if (t->has_port)
      snprintf(buf, len, "%s:%u", t->job->h->ip, t->port);
    else
      snprintf(buf, len, "%s", t->job->h->ip);
  }
}

int sched_thread_info(lua_State *L, struct nse_thread_info *out) {
  struct nse_thread *t = sched_current(L);
  if (t == NULL)
    return 0;
  *out = (struct nse_thread_info){
      t->co,   t->script, t->worker,   t->job->h,   t->has_port,
      t->port, t->proto,  t->host_ref, t->port_ref, t->co_ref};
  return 1;
}

static void store_result(struct nse_thread *t, struct script_result *r) {
  struct job *j = t->job;
  if (j->h == NULL) {
    sresults_add(j->out, r);
    return;
  }
  if (t->has_port) {
    struct port *pt = host_port_get(j->h, t->proto, t->port);
    if (pt) {
      sresults_add(port_scripts(pt), r);
      return;
    }
  }
  sresults_add(&j->h->scripts, r);
}

/* Ends t: close handlers, bookkeeping. Does not touch its results. */
static void thread_end(struct nse_thread *t) {
  struct sched *s = t->s;
  lua_State *L = s->e->L;
  if (t->state == T_DONE)
    return;
  t->state = T_DONE;
  while (t->handlers) {
    struct close_handler *c = t->handlers;
    t->handlers = c->next;
    c->fn(L, c->ud);
    free(c);
  }
  lua_sethook(t->co, NULL, 0, 0);
  luaL_unref(L, LUA_REGISTRYINDEX, t->co_ref);
  t->co_ref = LUA_NOREF;
  luaL_unref(L, LUA_REGISTRYINDEX, t->rec_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, t->host_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, t->port_ref);
  t->rec_ref = t->host_ref = t->port_ref = LUA_NOREF;
  struct job *j = t->job;
  if (t->prev)
    t->prev->next = t->next;
  else
    j->threads = t->next;
  if (t->next)
    t->next->prev = t->prev;
  j->nthreads--;
  s->nlive--;
  if (!t->worker)
    j->nbase--;
  sched_thread_release(t);
}

/* An error object as text, without running metamethods that could
 * raise outside protection. */
static const char *error_text(lua_State *co, char *buf, size_t len) {
  if (lua_type(co, -1) == LUA_TSTRING || lua_type(co, -1) == LUA_TNUMBER)
    return lua_tostring(co, -1);
  snprintf(buf, len, "%s: %p", luaL_typename(co, -1), lua_topointer(co, -1));
  return buf;
}

static int is_new_try(lua_State *co, const char **msg) {
  if (!lua_istable(co, -1))
    return 0;
  lua_pushliteral(co, "errtype");
  lua_rawget(co, -2);
  int yes = lua_type(co, -1) == LUA_TSTRING &&
            strcmp(lua_tostring(co, -1), "nmap.new_try") == 0;
  lua_pop(co, 1);
  if (yes) {
    lua_pushliteral(co, "message");
    lua_rawget(co, -2);
    *msg = lua_tostring(co, -1); /* kept alive on co's stack */
  }
  return yes;
}

static void thread_error(struct nse_thread *t) {
  lua_State *L = t->s->e->L;
  char info[128], tgt[160], tmp[64];
  thread_info(t, info, sizeof info);
  target_text(t, tgt, sizeof tgt);
  const char *msg = NULL;
  if (is_new_try(t->co, &msg)) {
    log_debug(1, "NSE: Finished %s%s. Reason: %s\n", info, tgt,
              msg ? msg : "nil");
    t->action_started = 0; /* no second "Finished" line */
    return;
  }
  if (t->worker) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, t->rec_ref);
    lua_pushvalue(t->co, -1);
    lua_xmove(t->co, L, 1);
    lua_setfield(L, -2, "error");
    lua_pop(L, 1);
  }
  if (log_debugging > 0) {
    luaL_traceback(L, t->co, error_text(t->co, tmp, sizeof tmp), 0);
    log_debug(1, "NSE: %s%s threw an error!\n%s\n", info, tgt,
              lua_tostring(L, -1));
    lua_pop(L, 1);
  } else if (!t->worker) {
    static const char text[] = "ERROR: Script execution failed (use -d to "
                               "debug)";
    struct script_result *r =
        sresult_new(t->script->id, text, sizeof text - 1, NULL);
    r->flags |= SRESULT_ERROR;
    store_result(t, r);
  }
}

static void thread_timed_out(struct nse_thread *t) {
  char info[128], tgt[160];
  thread_info(t, info, sizeof info);
  target_text(t, tgt, sizeof tgt);
  log_debug(1, "NSE: %s%s timed out", info, tgt);
  if (t->worker)
    return;
  /* Portolan reports the timeout (issue #5); Nmap drops it silently. */
  char *text = xasprintf("ERROR: Script timed out after %gs",
                         (double)t->s->e->o->script_timeout_ms / 1000.0);
  struct script_result *r =
      sresult_new(t->script->id, text, strlen(text), NULL);
  free(text);
  r->flags |= SRESULT_TIMEOUT;
  store_result(t, r);
}

static int timed_out(struct nse_thread *t) {
  int64_t limit = t->s->e->o->script_timeout_ms;
  return limit > 0 && t->started &&
         now_ms(t->s) - t->start_ms > (uint64_t)limit;
}

/* Count hook: the hard limit for CPU-bound scripts. */
static void timeout_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  struct nse_thread *t = sched_current(L);
  if (t == NULL)
    return;
  uv_update_time(t->s->e->loop);
  if (!timed_out(t))
    return;
  t->kill = KILL_TIMEOUT;
  if (L == t->co && lua_isyieldable(L)) {
    lua_yield(L, 0); /* from a hook: returns, the yield happens after */
    return;
  }
  luaL_error(L, "script timed out");
}

/* "Finished" is logged for threads that end normally only (as Nmap). */
static void log_finished(struct nse_thread *t) {
  if (!t->action_started && !t->worker)
    return;
  char info[128], tgt[160];
  thread_info(t, info, sizeof info);
  target_text(t, tgt, sizeof tgt);
  log_debug(t->worker ? 2 : 1, "NSE: Finished %s%s.", info, tgt);
}

static void resume(struct nse_thread *t) {
  struct sched *s = t->s;
  lua_State *L = s->e->L;
  if (t->kill != KILL_NONE) {
    if (t->kill == KILL_TIMEOUT) {
      thread_timed_out(t);
    } else if (t->kill == KILL_HOST) {
      char info[128], tgt[160];
      thread_info(t, info, sizeof info);
      target_text(t, tgt, sizeof tgt);
      log_debug(1, "NSE: %s%s timed out", info, tgt);
    }
    thread_end(t);
    return;
  }
  if (!t->job->started) {
    t->job->started = 1;
    t->job->start_ms = now_ms(s);
  }
  if (!t->started) {
    t->started = 1;
    if (!t->worker)
      t->start_ms = now_ms(s);
  }
  int nargs = t->nargs, nres = 0;
  t->nargs = 0;
  t->state = T_RUNNING;
  t->woken = 0;
  s->current = t;
  int st = lua_resume(t->co, L, nargs, &nres);
  s->current = NULL;
  if (st == LUA_YIELD && t->kill == KILL_TIMEOUT) {
    thread_timed_out(t);
    thread_end(t);
  } else if (st == LUA_YIELD && nres == 1 &&
             lua_touserdata(t->co, -1) == (void *)&nse_yield_marker) {
    lua_pop(t->co, 1);
    t->state = T_WAITING;
    if (t->woken)
      push_ready(t);
  } else if (st == LUA_YIELD) {
    char info[128];
    thread_info(t, info, sizeof info);
    log_debug(1, "NSE: %s yielded unexpectedly and cannot be resumed.", info);
    thread_end(t);
  } else if (st == LUA_OK) {
    log_finished(t);
    if (!t->worker) {
      struct script_result *r = nse_result_from(L, t->co, nres, t->script->id);
      if (r)
        store_result(t, r);
    }
    thread_end(t);
  } else if (t->kill == KILL_TIMEOUT) {
    thread_timed_out(t);
    thread_end(t);
  } else {
    thread_error(t);
    thread_end(t);
  }
}

/* lua: marks the action as started (called by the runner). */
static int action_starting(lua_State *L) {
  struct nse_thread *t = sched_current(L);
  if (t && !t->action_started) {
    t->action_started = 1;
    char info[128], tgt[160];
    thread_info(t, info, sizeof info);
    target_text(t, tgt, sizeof tgt);
    log_debug(1, "NSE: Starting %s%s.", info, tgt);
  }
  return 0;
}

static const char RUNNER[] =
    "local started = ...\n"
    "return function(factory, env, rule, forced, ...)\n"
    "  factory(env)()\n"
    "  if forced or env[rule](...) then\n"
    "    started()\n"
    "    return env.action(...)\n"
    "  end\n"
    "end\n";

static struct nse_thread *thread_new(struct job *j, struct nse_script *sc,
                                     int worker) {
  struct sched *s = j->s;
  lua_State *L = s->e->L;
  struct nse_thread *t = xcalloc(1, sizeof *t);
  t->s = s;
  t->job = j;
  t->script = sc;
  t->worker = worker;
  t->rec_ref = t->host_ref = t->port_ref = LUA_NOREF;
  t->refs = 1; /* dropped by thread_end */
  t->co = lua_newthread(L);
  t->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (s->e->o->script_timeout_ms > 0)
    lua_sethook(t->co, timeout_hook, LUA_MASKCOUNT, 10000);
  t->next = j->threads;
  if (j->threads)
    j->threads->prev = t;
  j->threads = t;
  j->nthreads++;
  s->nlive++;
  if (!worker)
    j->nbase++;
  return t;
}

/* Creates one candidate thread; the arguments (host, port) are on L's
 * stack top, nargs of them, and are consumed. */
static void spawn(struct job *j, struct nse_script *sc, enum nse_rule rule,
                  int nargs, const struct port *pt) {
  struct sched *s = j->s;
  lua_State *L = s->e->L;
  int base = lua_gettop(L) - nargs;
  struct nse_thread *t = thread_new(j, sc, 0);
  t->rule = rule;
  if (pt) {
    t->has_port = 1;
    t->port = pt->number;
    t->proto = (enum proto)pt->proto;
  }
  if (nargs >= 1) {
    lua_pushvalue(L, base + 1);
    t->host_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  if (nargs >= 2) {
    lua_pushvalue(L, base + 2);
    t->port_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, s->runner_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, sc->factory_ref);
  lua_createtable(L, 0, 3);
  lua_pushstring(L, sc->path);
  lua_setfield(L, -2, "SCRIPT_PATH");
  lua_pushstring(L, sc->short_name);
  lua_setfield(L, -2, "SCRIPT_NAME");
  lua_pushstring(L, nse_rule_names[rule]);
  lua_setfield(L, -2, "SCRIPT_TYPE");
  lua_rawgeti(L, LUA_REGISTRYINDEX, s->env_mt_ref);
  lua_setmetatable(L, -2);
  lua_pushstring(L, nse_rule_names[rule]);
  lua_pushboolean(L, sc->forced);
  lua_rotate(L, base + 1, 5); /* runner... before the arguments */
  lua_xmove(L, t->co, 5 + nargs);
  t->nargs = 4 + nargs;
  t->state = T_WAITING;
  push_ready(t);
}

static int portrule_state(const struct port *pt) {
  return pt->state == PS_OPEN || pt->state == PS_OPEN_FILTERED ||
         pt->state == PS_UNFILTERED;
}

/* "Initiating NSE at HH:MM" / "Completed NSE at HH:MM, N.NNs elapsed",
 * one pair per runlevel at -v or -d (§10.3). */
static void progress_line(struct job *j, int completed) {
  if (log_verbosity < 1 && log_debugging < 1)
    return;
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  uint64_t ms = now_ms(j->s);
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
  int mp = s->e->o->min_parallelism;
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
    if (log_verbosity >= 2 || log_debugging >= 1)
      printf("NSE: Starting runlevel %d (of %d) scan.\n", j->runlevel,
             e->max_runlevel);
    progress_line(j, 0);
  }
  while (s->nlive < thread_limit(s)) {
    if (j->stage == 0) {
      if (j->gi >= e->nscripts) {
        j->stage = 1;
        j->gi = j->gport = 0;
        j->gproto = 0;
        continue;
      }
      struct nse_script *sc = e->scripts[j->gi++];
      if (sc->runlevel != j->runlevel)
        continue;
      if (j->phase != RULE_HOST) {
        if (sc->has_rule[j->phase])
          spawn(j, sc, j->phase, 0, NULL);
      } else if (sc->has_rule[RULE_HOST]) {
        nse_push_host(L, j->h);
        spawn(j, sc, RULE_HOST, 1, NULL);
      }
      continue;
    }
    if (j->phase != RULE_HOST || j->gproto >= PROTO_COUNT)
      return 1;
    size_t n = 0;
    struct port *ports = host_ports(j->h, (enum proto)j->gproto, &n);
    if (j->gport >= n) {
      j->gproto++;
      j->gport = j->gi = 0;
      continue;
    }
    struct port *pt = &ports[j->gport];
    if (!portrule_state(pt) || j->gi >= e->nscripts) {
      j->gport++;
      j->gi = 0;
      continue;
    }
    struct nse_script *sc = e->scripts[j->gi++];
    if (sc->runlevel != j->runlevel || !sc->has_rule[RULE_PORT])
      continue;
    nse_push_host(L, j->h);
    nse_push_port(L, j->h, pt);
    spawn(j, sc, RULE_PORT, 2, pt);
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
      log_debug(1, "NSE: %zu orphans left!", j->nthreads);
      while (j->threads) {
        j->threads->kill = KILL_ORPHAN;
        thread_end(j->threads);
      }
    }
    if (j->runlevel >= e->max_runlevel)
      return 1;
    j->runlevel++;
    j->spawn = 1;
    j->announced = 0;
    j->stage = 0;
    j->gi = j->gport = 0;
    j->gproto = 0;
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
   * (h->timed_out) and its threads end without output. */
  int64_t host_limit = s->e->o->host_timeout_ms;
  if (s->e->o->script_timeout_ms > 0 || host_limit > 0) {
    for (struct job *j = s->jobs; j; j = j->next) {
      int host_out = host_limit > 0 && j->h && j->started &&
                     now_ms(s) - j->start_ms > (uint64_t)host_limit;
      if (host_out && !j->h->timed_out) {
        j->h->timed_out = 1;
        j->spawn = 0;
        j->runlevel = s->e->max_runlevel;
      }
      for (struct nse_thread *t = j->threads; t; t = t->next) {
        if (host_out && t->state == T_READY)
          t->kill = KILL_HOST; /* already queued */
        else if (t->state == T_WAITING && (host_out || timed_out(t))) {
          t->kill = host_out ? KILL_HOST : KILL_TIMEOUT;
          push_ready(t);
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
      resume(t);
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
  if (luaL_loadbuffer(L, RUNNER, sizeof RUNNER - 1, "=nse_runner") != LUA_OK)
    abort(); /* constant text */
  lua_pushcfunction(L, action_starting);
  lua_call(L, 1, 1);
  s->runner_ref = luaL_ref(L, LUA_REGISTRYINDEX);
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
        push_ready(t);
    }
  }
  uv_idle_start(s->idle, pass);
}

/* status_fn(): coroutine.status of the worker and the error it died
 * with (§5.6). Upvalues: the coroutine, the record table. */
static int worker_status(lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  lua_Debug ar;
  const char *st;
  if (co == L)
    st = "running";
  else if (lua_status(co) == LUA_YIELD)
    st = "suspended";
  else if (lua_status(co) != LUA_OK)
    st = "dead";
  else if (lua_getstack(co, 0, &ar))
    st = "normal";
  else if (lua_gettop(co) == 0)
    st = "dead";
  else
    st = "suspended";
  lua_pushstring(L, st);
  lua_pushliteral(L, "error");
  lua_rawget(L, lua_upvalueindex(2));
  return 2;
}

int sched_new_worker(lua_State *L, int nargs) {
  struct nse_thread *parent = sched_current(L);
  if (parent == NULL)
    return luaL_error(L, "stdnse.new_thread can only be run from an active "
                         "script");
  int fn = lua_gettop(L) - nargs;
  luaL_checktype(L, fn, LUA_TFUNCTION);
  struct nse_engine *e = parent->s->e;
  struct nse_thread *t = thread_new(parent->job, parent->script, 1);
  t->rule = parent->rule;
  t->has_port = parent->has_port;
  t->port = parent->port;
  t->proto = parent->proto;
  t->started = 1;
  t->start_ms = parent->start_ms;
  if (parent->host_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, parent->host_ref);
    t->host_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  if (parent->port_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, parent->port_ref);
    t->port_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_xmove(L, t->co, nargs + 1);
  t->nargs = nargs;
  t->state = T_WAITING;
  push_ready(t); /* workers start pending (§5.6) */
  char info[128];
  thread_info(parent, info, sizeof info);
  log_debug(2, "NSE: %s spawning new thread (thread: %p).", info,
            (void *)t->co);
  /* [+2] co, status_fn */
  lua_rawgeti(e->L, LUA_REGISTRYINDEX, t->co_ref);
  lua_xmove(e->L, L, 1);
  lua_pushvalue(L, -1);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  t->rec_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushcclosure(L, worker_status, 2);
  return 2;
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
  luaL_unref(s->e->L, LUA_REGISTRYINDEX, s->runner_ref);
  luaL_unref(s->e->L, LUA_REGISTRYINDEX, s->env_mt_ref);
  uv_close((uv_handle_t *)s->idle, (uv_close_cb)free);
  uv_close((uv_handle_t *)s->tick, (uv_close_cb)free);
  free(s);
}
