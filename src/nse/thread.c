/* One script thread's life (NSE-NOTES §1.2, §5.4-§5.8, §9.1): creation
 * of candidate threads and workers, resuming, and the end of a thread,
 * with its result, error, or timeout report.
 *
 * Invariants: Lua is entered only from thread_resume, called by the
 * scheduler pass; a thread that ends runs its close handlers exactly once
 * (thread_end); results are stored only for base threads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "nse/sched_int.h"
#include "nse/watchdog.h"

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

/* "<id>" at -d1, "<id> M:<hex>" (or W:) from -d2 (§10.2). */
void thread_describe(const struct nse_thread *t, char *buf, size_t len) {
  if (log_debugging >= 2)
    snprintf(buf, len, "%s %c:%" PRIxPTR, t->script->id, t->worker ? 'W' : 'M',
             (uintptr_t)t->co);
  else
    snprintf(buf, len, "%s", t->script->id);
}

void thread_against(const struct nse_thread *t, char *buf, size_t len) {
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
void thread_end(struct nse_thread *t) {
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
  nse_mem_acct_release(t->acct);
  t->acct = NULL;
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
  if (!t->worker) {
    j->nbase--;
    s->ndone++;
  }
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

/* Stores an error result (text of n bytes) for the thread's script;
 * flags marks it (SRESULT_ERROR or SRESULT_TIMEOUT) for the writers. */
static void store_error(struct nse_thread *t, const char *text, size_t n,
                        unsigned flags) {
  struct script_result *r = sresult_new(t->script->id, text, n, NULL);
  r->flags |= flags;
  store_result(t, r);
}

static void thread_error(struct nse_thread *t) {
  lua_State *L = t->s->e->L;
  char info[128], tgt[160], tmp[64];
  thread_describe(t, info, sizeof info);
  thread_against(t, tgt, sizeof tgt);
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
    store_error(t, text, sizeof text - 1, SRESULT_ERROR);
  }
}

static void thread_timed_out(struct nse_thread *t) {
  char info[128], tgt[160];
  thread_describe(t, info, sizeof info);
  thread_against(t, tgt, sizeof tgt);
  log_debug(1, "NSE: %s%s timed out", info, tgt);
  if (t->worker)
    return;
  /* Portolan reports the timeout (issue #5); Nmap drops it silently. */
  char *text = xasprintf("ERROR: Script timed out after %gs",
                         (double)t->s->e->o->script_timeout_ms / 1000.0);
  store_error(t, text, strlen(text), SRESULT_TIMEOUT);
  free(text);
}

/* An instance over its --script-mem-limit (nse_int.h): the scan goes
 * on, this instance ends with a clear error. */
static void thread_out_of_memory(struct nse_thread *t) {
  char info[128], tgt[160];
  thread_describe(t, info, sizeof info);
  thread_against(t, tgt, sizeof tgt);
  log_debug(1, "NSE: %s%s exceeded its memory limit", info, tgt);
  if (t->worker)
    return;
  size_t lim = t->s->e->mem.limit;
  char *text = lim % (1u << 20) == 0
                   ? xasprintf("ERROR: Script exceeded its memory limit "
                               "(%zu MiB)",
                               lim >> 20)
                   : xasprintf("ERROR: Script exceeded its memory limit "
                               "(%zu bytes)",
                               lim);
  store_error(t, text, strlen(text), SRESULT_ERROR);
  free(text);
}

/* Reports why a killed thread ends (nothing for Ctrl-C and orphans). */
static void thread_report_kill(struct nse_thread *t) {
  if (t->kill == KILL_TIMEOUT) {
    thread_timed_out(t);
  } else if (t->kill == KILL_MEMORY) {
    thread_out_of_memory(t);
  } else if (t->kill == KILL_HOST) {
    char info[128], tgt[160];
    thread_describe(t, info, sizeof info);
    thread_against(t, tgt, sizeof tgt);
    log_debug(1, "NSE: %s%s timed out", info, tgt);
  }
}

int thread_expired(struct nse_thread *t) {
  int64_t limit = t->s->e->o->script_timeout_ms;
  return limit > 0 && t->started &&
         sched_now_ms(t->s) - t->start_ms > (uint64_t)limit;
}

enum kill thread_must_end(struct nse_thread *t) {
  if (t->acct && t->acct->over)
    return KILL_MEMORY;
  if (thread_expired(t))
    return KILL_TIMEOUT;
  return KILL_NONE;
}

/* A base coroutine that computes longer than this without a blocking
 * call is preempted (issue #5): it yields to the scheduler and runs again
 * at the next pass, so one CPU-bound script cannot stall the event loop,
 * the other scripts and the progress reports. Long enough that scripts
 * written for Nmap's purely cooperative engine (check-then-set on shared
 * tables between blocking calls) are almost never interleaved. */
#define SLICE_MS 250

/* How long the thread may run before the hook is due: the rest of its
 * slice, or of its --script-timeout if that is sooner. */
static uint64_t thread_budget(struct nse_thread *t) {
  uint64_t now = sched_now_ms(t->s), used = now - t->slice_ms;
  uint64_t b = used >= SLICE_MS ? 1 : SLICE_MS - used;
  int64_t limit = t->s->e->o->script_timeout_ms;
  if (limit > 0 && t->started) {
    uint64_t end = t->start_ms + (uint64_t)limit + 1;
    uint64_t left = end > now ? end - now : 1;
    if (left < b)
      b = left;
  }
  return b;
}

/* Count hook, installed by the watchdog (watchdog.h) when a resume
 * outlives its budget, never kept otherwise (a hook slows every Lua
 * instruction): time slices, and the hard limits for scripts that compute
 * instead of waiting. Once a limit is hit, the hook fires at every instruction
 * of the thread and of the coroutine it is in: at the base coroutine it yields
 * (through pcall, which is yieldable in Lua 5.4), elsewhere it raises again and
 * again, so a pcall that catches the error gets no further than its next
 * instruction. */
void thread_kill_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  struct nse_thread *t = sched_current(L);
  if (t == NULL) {
    lua_sethook(L, NULL, 0, 0);
    return;
  }
  if (t->kill == KILL_NONE) {
    uv_update_time(t->s->e->loop);
    enum kill k = thread_must_end(t);
    if (k == KILL_NONE) {
      /* A nested coroutine yields to the coroutine.resume replacement,
       * which passes the preemption up (sched_preempted). */
      int over = sched_now_ms(t->s) - t->slice_ms >= SLICE_MS;
      if (over && lua_isyieldable(L)) {
        t->preempted = 1;
        lua_yield(L, 0);
        return;
      }
      /* Not due yet (the helper's clock runs a little ahead), or cannot
       * yield here (inside a C function): look again later. */
      lua_sethook(L, NULL, 0, 0);
      watchdog_rearm(over ? 50 : thread_budget(t));
      return;
    }
    t->kill = k;
    lua_sethook(t->co, thread_kill_hook, LUA_MASKCOUNT, 1);
    if (L != t->co)
      lua_sethook(L, thread_kill_hook, LUA_MASKCOUNT, 1);
  }
  if (L == t->co && lua_isyieldable(L)) {
    lua_yield(L, 0); /* from a hook: returns, the yield happens after */
    return;
  }
  luaL_error(L, t->kill == KILL_MEMORY ? "script exceeded its memory limit"
                                       : "script timed out");
}

int sched_preempted(lua_State *L) {
  struct nse_thread *t = sched_current(L);
  if (t == NULL || !t->preempted)
    return 0;
  t->preempted = 0;
  if (!lua_isyieldable(L)) {
    lua_pushinteger(L, 2);
    return 1;
  }
  t->woken = 1; /* the yield of the marker below must not wait */
  lua_pushinteger(L, 1);
  return 1;
}

/* "Finished" is logged for threads that end normally only (as Nmap). */
static void log_finished(struct nse_thread *t) {
  if (!t->action_started && !t->worker)
    return;
  char info[128], tgt[160];
  thread_describe(t, info, sizeof info);
  thread_against(t, tgt, sizeof tgt);
  log_debug(t->worker ? 2 : 1, "NSE: Finished %s%s.", info, tgt);
}

void thread_resume(struct nse_thread *t) {
  struct sched *s = t->s;
  lua_State *L = s->e->L;
  if (t->kill == KILL_NONE)
    t->kill = thread_must_end(t);
  if (t->kill != KILL_NONE) {
    thread_report_kill(t);
    thread_end(t);
    return;
  }
  if (s->first_start_ms == 0)
    s->first_start_ms = sched_now_ms(s) ? sched_now_ms(s) : 1;
  if (!t->job->started) {
    t->job->started = 1;
    t->job->start_ms = sched_now_ms(s);
  }
  if (!t->started) {
    t->started = 1;
    if (!t->worker)
      t->start_ms = sched_now_ms(s);
  }
  int nargs = t->nargs, nres = 0;
  t->nargs = 0;
  t->state = T_RUNNING;
  t->woken = 0;
  s->current = t;
  t->slice_ms = sched_now_ms(s);
  s->e->mem.current = t->acct;
  watchdog_enter(t->co, thread_budget(t));
  int st = lua_resume(t->co, L, nargs, &nres);
  watchdog_leave();
  s->e->mem.current = NULL;
  s->current = NULL;
  if (st == LUA_YIELD && t->kill != KILL_NONE) {
    thread_report_kill(t);
    thread_end(t);
  } else if (st == LUA_YIELD && t->preempted) {
    t->preempted = 0;
    sched_push_ready(t); /* its slice is over: again at the next pass */
  } else if (st == LUA_YIELD && nres == 1 &&
             lua_touserdata(t->co, -1) == (void *)&nse_yield_marker) {
    lua_pop(t->co, 1);
    t->state = T_WAITING;
    if (t->woken)
      sched_push_ready(t);
  } else if (st == LUA_YIELD) {
    char info[128];
    thread_describe(t, info, sizeof info);
    log_debug(1, "NSE: %s yielded unexpectedly and cannot be resumed.", info);
    thread_end(t);
  } else if (st == LUA_OK) {
    log_finished(t);
    if (!t->worker) {
      struct script_result *r = nse_result_from(L, t->co, nres, t->script->id);
      if (r)
        store_result(t, r);
    }
    /* Values left on a finished coroutine's stack make Lua 5.4's
     * coroutine.status report "suspended" instead of "dead"; scripts that
     * wait for their workers to be dead (ssl-enum-ciphers) would spin. */
    lua_settop(t->co, 0);
    thread_end(t);
  } else if (t->kill != KILL_NONE || (t->acct && t->acct->over) ||
             (st == LUA_ERRMEM && t->acct && t->acct->refused)) {
    /* LUA_ERRMEM after a refusal: Lua could not collect and retry (it
     * was inside a collection step), so the refusal stands. */
    if (t->kill == KILL_NONE)
      t->kill = KILL_MEMORY;
    thread_report_kill(t);
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
    thread_describe(t, info, sizeof info);
    thread_against(t, tgt, sizeof tgt);
    log_debug(1, "NSE: Starting %s%s.", info, tgt);
  }
  return 0;
}

/* The body of every candidate thread (NSE-NOTES §1.2): run the script
 * body in the instance's environment, then the rule, then the action as a
 * tail call (so tracebacks show "(...tail calls...)" as Nmap's do). */
static const char RUNNER[] =
    "local started = ...\n"
    "return function(factory, env, rule, forced, ...)\n"
    "  factory(env)()\n"
    "  if forced or env[rule](...) then\n"
    "    started()\n"
    "    return env.action(...)\n"
    "  end\n"
    "end\n";

struct nse_thread *thread_new(struct job *j, struct nse_script *sc,
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
  if (!worker)
    t->acct = nse_mem_acct_new();
  t->next = j->threads;
  if (j->threads)
    j->threads->prev = t;
  j->threads = t;
  j->nthreads++;
  j->created++;
  s->nlive++;
  if (!worker)
    j->nbase++;
  return t;
}

/* Creates one candidate thread; the arguments (host, port) are on L's
 * stack top, nargs of them, and are consumed. */
void thread_spawn(struct job *j, struct nse_script *sc, enum nse_rule rule,
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
  sched_push_ready(t);
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
  t->acct = parent->acct; /* one instance, one memory budget */
  if (t->acct)
    t->acct->users++;
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
  sched_push_ready(t); /* workers start pending (§5.6) */
  char info[128];
  thread_describe(parent, info, sizeof info);
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

int thread_runner_ref(lua_State *L) {
  if (luaL_loadbuffer(L, RUNNER, sizeof RUNNER - 1, "=nse_runner") != LUA_OK)
    abort(); /* constant text */
  lua_pushcfunction(L, action_starting);
  lua_call(L, 1, 1);
  return luaL_ref(L, LUA_REGISTRYINDEX);
}
