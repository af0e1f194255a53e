/* Mutexes, condition variables, new_try and sleep (NSE-NOTES §5.6).
 *
 * A mutex or condvar is a userdata behind the function scripts get; the
 * same object gives the same function while the object lives (a cache
 * with weak keys). Waiters are (thread, coroutine ref) pairs: the thread
 * to wake, the coroutine to record as the holder. The holder is the
 * coroutine, not the base thread, as in Nmap.
 *
 * Invariants: a held mutex has a close handler on the holder's thread
 * (key: the mutex), so a thread that dies holding it hands it on. Each
 * waiter holds its thread (sched_thread_hold) until it is popped. Close
 * handlers and timer callbacks never call into Lua code. */
#include "nse/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "nse/sched.h"

#define MUTEX_MT "portolan.mutex"
#define CONDVAR_MT "portolan.condvar"

static const char MUTEX_CACHE = 0;
static const char CONDVAR_CACHE = 0;

struct waiter {
  struct nse_thread *t;
  int co_ref;
};

struct waitq {
  struct waiter *v;
  size_t n, cap;
};

struct mutex {
  lua_State *L;   /* main state, for refs in close handlers */
  int holder_ref; /* coroutine, or LUA_NOREF */
  lua_State *holder;
  struct nse_thread *holder_t;
  struct waitq q; /* FIFO */
};

struct condvar {
  lua_State *L;
  struct waitq q; /* LIFO for signal */
  /* Live threads with our broadcast-on-close handler (each held), so that
   * __gc can cancel the handlers; a user leaves when its thread ends. */
  struct cv_user **users;
  size_t nusers, capusers;
};

struct cv_user {
  struct condvar *c;
  struct nse_thread *t;
};

static void waitq_push(lua_State *L, struct waitq *q, struct nse_thread *t) {
  q->v = xgrow(q->v, &q->cap, q->n + 1, sizeof *q->v);
  lua_pushthread(L);
  q->v[q->n++] = (struct waiter){t, luaL_ref(L, LUA_REGISTRYINDEX)};
  sched_thread_hold(t);
}

static void waiter_drop(lua_State *L, struct waiter *w) {
  luaL_unref(L, LUA_REGISTRYINDEX, w->co_ref);
  sched_thread_release(w->t);
}

/* ---- mutex ---- */

static void mutex_release(lua_State *L, void *ud);

static void mutex_take(lua_State *L, struct mutex *m, struct nse_thread *t,
                       int co_ref) {
  m->holder_ref = co_ref;
  lua_rawgeti(L, LUA_REGISTRYINDEX, co_ref);
  m->holder = lua_tothread(L, -1);
  lua_pop(L, 1);
  m->holder_t = t;
  if (t)
    sched_on_close(t, m, mutex_release, m);
}

/* Hands the mutex to the first live waiter, or frees it. Also the close
 * handler of the holder's thread. */
static void mutex_release(lua_State *L, void *ud) {
  struct mutex *m = ud;
  L = m->L;
  if (m->holder_t)
    sched_cancel_close(m->holder_t, m);
  luaL_unref(L, LUA_REGISTRYINDEX, m->holder_ref);
  m->holder_ref = LUA_NOREF;
  m->holder = NULL;
  m->holder_t = NULL;
  while (m->q.n > 0) {
    struct waiter w = m->q.v[0];
    memmove(m->q.v, m->q.v + 1, (m->q.n - 1) * sizeof *m->q.v);
    m->q.n--;
    if (!sched_thread_alive(w.t)) {
      waiter_drop(L, &w);
      continue;
    }
    mutex_take(L, m, w.t, w.co_ref); /* the ref moves to the holder */
    sched_wake(w.t);
    sched_thread_release(w.t);
    return;
  }
}

static int mutex_lock_k(lua_State *L, int status, lua_KContext ctx) {
  (void)L;
  (void)status;
  (void)ctx;
  return 0;
}

static int mutex_op(lua_State *L) {
  static const char *const ops[] = {"lock", "trylock", "done", "running", NULL};
  struct mutex *m = luaL_checkudata(L, lua_upvalueindex(1), MUTEX_MT);
  int op = luaL_checkoption(L, 1, NULL, ops);
  struct nse_thread *t = sched_current(L);
  switch (op) {
  case 0: /* lock */
  case 1: /* trylock */
    if (m->holder_ref == LUA_NOREF) {
      lua_pushthread(L);
      mutex_take(L, m, t, luaL_ref(L, LUA_REGISTRYINDEX));
      if (op == 1)
        lua_pushboolean(L, 1);
      return op == 1;
    }
    if (op == 1) {
      lua_pushboolean(L, 0);
      return 1;
    }
    if (t == NULL)
      return luaL_error(L, "mutex lock outside a running script");
    waitq_push(L, &m->q, t);
    return sched_yield(L, 0, mutex_lock_k);
  case 2: /* done */
    if (m->holder != L)
      return luaL_error(L, "do not have a lock on this mutex");
    mutex_release(L, m);
    return 0;
  default: /* running */
    if (m->holder_ref == LUA_NOREF)
      lua_pushnil(L);
    else
      lua_rawgeti(L, LUA_REGISTRYINDEX, m->holder_ref);
    return 1;
  }
}

static int mutex_gc(lua_State *L) {
  struct mutex *m = luaL_checkudata(L, 1, MUTEX_MT);
  if (m->holder_t)
    sched_cancel_close(m->holder_t, m);
  luaL_unref(L, LUA_REGISTRYINDEX, m->holder_ref);
  m->holder_ref = LUA_NOREF;
  m->holder_t = NULL;
  for (size_t i = 0; i < m->q.n; i++)
    waiter_drop(L, &m->q.v[i]);
  free(m->q.v);
  m->q.v = NULL;
  m->q.n = 0;
  return 0;
}

/* [-0, +1] cache[obj] from the weak-keyed cache at key, or nil. */
static int cache_get(lua_State *L, const char *key, int obj) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
  }
  lua_pushvalue(L, obj);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  return !lua_isnil(L, -1);
}

static void cache_set(lua_State *L, const char *key, int obj) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, key);
  lua_pushvalue(L, obj);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

static void check_object(lua_State *L) {
  int t = lua_type(L, 1);
  if (t == LUA_TNONE || t == LUA_TNIL || t == LUA_TBOOLEAN || t == LUA_TNUMBER)
    luaL_argerror(L, 1, "object expected");
}

static int nmap_mutex(lua_State *L) {
  check_object(L);
  if (cache_get(L, &MUTEX_CACHE, 1))
    return 1;
  lua_pop(L, 1);
  struct mutex *m = lua_newuserdatauv(L, sizeof *m, 0);
  memset(m, 0, sizeof *m);
  lua_State *main;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  main = lua_tothread(L, -1);
  lua_pop(L, 1);
  m->L = main;
  m->holder_ref = LUA_NOREF;
  if (luaL_newmetatable(L, MUTEX_MT)) {
    lua_pushcfunction(L, mutex_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  lua_pushcclosure(L, mutex_op, 1);
  cache_set(L, &MUTEX_CACHE, 1);
  return 1;
}

/* ---- condvar ---- */

/* signal: the most recent waiter (LIFO); broadcast: all, oldest first
 * (observed order w3,w1,w2 in NSE-NOTES §5.6). */
static void condvar_wake(struct condvar *c, int all) {
  if (c->q.n == 0)
    return;
  if (!all) {
    struct waiter w = c->q.v[--c->q.n];
    sched_wake(w.t);
    waiter_drop(c->L, &w);
    return;
  }
  struct waitq q = c->q;
  memset(&c->q, 0, sizeof c->q);
  for (size_t i = 0; i < q.n; i++) {
    sched_wake(q.v[i].t);
    waiter_drop(c->L, &q.v[i]);
  }
  free(q.v);
}

/* Close handler: a thread that used the condvar ends -> broadcast. */
static void condvar_on_close(lua_State *L, void *ud) {
  (void)L;
  struct cv_user *u = ud;
  struct condvar *c = u->c;
  for (size_t i = 0; i < c->nusers; i++)
    if (c->users[i] == u) {
      c->users[i] = c->users[--c->nusers];
      break;
    }
  condvar_wake(c, 1);
  sched_thread_release(u->t);
  free(u);
}

static int condvar_wait_k(lua_State *L, int status, lua_KContext ctx) {
  (void)L;
  (void)status;
  (void)ctx;
  return 0;
}

static int condvar_op(lua_State *L) {
  static const char *const ops[] = {"wait", "signal", "broadcast", NULL};
  struct condvar *c = luaL_checkudata(L, lua_upvalueindex(1), CONDVAR_MT);
  int op = luaL_checkoption(L, 1, NULL, ops);
  if (op == 0) {
    struct nse_thread *t = sched_current(L);
    if (t == NULL)
      return luaL_error(L, "condvar wait outside a running script");
    waitq_push(L, &c->q, t);
    return sched_yield(L, 0, condvar_wait_k);
  }
  condvar_wake(c, op == 2);
  return 0;
}

static int condvar_gc(lua_State *L) {
  struct condvar *c = luaL_checkudata(L, 1, CONDVAR_MT);
  for (size_t i = 0; i < c->q.n; i++)
    waiter_drop(L, &c->q.v[i]);
  free(c->q.v);
  c->q.v = NULL;
  c->q.n = 0;
  for (size_t i = 0; i < c->nusers; i++) {
    struct cv_user *u = c->users[i];
    if (sched_thread_alive(u->t))
      sched_cancel_close(u->t, c);
    sched_thread_release(u->t);
    free(u);
  }
  free(c->users);
  c->users = NULL;
  c->nusers = 0;
  return 0;
}

static int nmap_condvar(lua_State *L) {
  check_object(L);
  if (!cache_get(L, &CONDVAR_CACHE, 1)) {
    lua_pop(L, 1);
    struct condvar *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    c->L = lua_tothread(L, -1);
    lua_pop(L, 1);
    if (luaL_newmetatable(L, CONDVAR_MT)) {
      lua_pushcfunction(L, condvar_gc);
      lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, condvar_op, 1);
    cache_set(L, &CONDVAR_CACHE, 1);
  }
  /* Every call registers the broadcast-on-close handler (§5.6). */
  struct nse_thread *t = sched_current(L);
  if (t) {
    lua_getupvalue(L, -1, 1);
    struct condvar *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    size_t i = 0;
    while (i < c->nusers && c->users[i]->t != t)
      i++;
    if (i == c->nusers) {
      struct cv_user *u = xmalloc(sizeof *u);
      *u = (struct cv_user){c, t};
      sched_thread_hold(t);
      c->users = xgrow(c->users, &c->capusers, c->nusers + 1, sizeof *c->users);
      c->users[c->nusers++] = u;
      sched_on_close(t, c, condvar_on_close, u);
    }
  }
  return 1;
}

/* ---- new_try ---- */

static int try_call(lua_State *L) {
  int n = lua_gettop(L);
  int t1 = lua_type(L, 1);
  if (n >= 1 && t1 != LUA_TNIL && t1 != LUA_TBOOLEAN) {
    fprintf(stderr, "finalizing a non-conforming function that did not "
                    "first return a boolean\n");
    return n - 1;
  }
  if (lua_toboolean(L, 1))
    return n - 1;
  if (!lua_isnil(L, lua_upvalueindex(1))) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_call(L, 0, 0);
  }
  lua_createtable(L, 0, 2);
  lua_pushliteral(L, "nmap.new_try");
  lua_setfield(L, -2, "errtype");
  lua_pushvalue(L, 2);
  lua_setfield(L, -2, "message");
  return lua_error(L);
}

static int nmap_new_try(lua_State *L) {
  lua_settop(L, 1);
  lua_pushcclosure(L, try_call, 1);
  return 1;
}

/* ---- sleep ---- */

struct sleeper {
  uv_timer_t timer;
  struct nse_thread *t;
};

static void sleeper_free(uv_handle_t *h) {
  free(h->data);
}

static void sleep_cb(uv_timer_t *tm) {
  struct sleeper *sl = tm->data;
  sched_cancel_close(sl->t, sl);
  sched_wake(sl->t);
  sched_thread_release(sl->t);
  uv_close((uv_handle_t *)tm, sleeper_free);
}

static void sleep_cancel(lua_State *L, void *ud) {
  (void)L;
  struct sleeper *sl = ud;
  log_debug(2, "Destroying sleep callback.");
  uv_timer_stop(&sl->timer);
  sched_thread_release(sl->t);
  uv_close((uv_handle_t *)&sl->timer, sleeper_free);
}

static int sleep_k(lua_State *L, int status, lua_KContext ctx) {
  (void)L;
  (void)status;
  (void)ctx;
  return 0;
}

static int socket_sleep(lua_State *L) {
  double secs = luaL_checknumber(L, 1);
  luaL_argcheck(L, secs >= 0, 1, "negative sleep time");
  struct nse_thread *t = sched_current(L);
  if (t == NULL)
    return luaL_error(L, "sleep outside a running script");
  struct sleeper *sl = xcalloc(1, sizeof *sl);
  sl->t = t;
  sched_thread_hold(t);
  uv_timer_init(sched_loop(L), &sl->timer);
  sl->timer.data = sl;
  uv_timer_start(&sl->timer, sleep_cb, (uint64_t)(secs * 1000.0 + 0.5), 0);
  sched_on_close(t, sl, sleep_cancel, sl);
  return sched_yield(L, 0, sleep_k);
}

void nse_sync_register(lua_State *L) {
  lua_pushcfunction(L, nmap_mutex);
  lua_setfield(L, -2, "mutex");
  lua_pushcfunction(L, nmap_condvar);
  lua_setfield(L, -2, "condvar");
  lua_pushcfunction(L, nmap_new_try);
  lua_setfield(L, -2, "new_try");
}

void nse_sleep_register(lua_State *L) {
  lua_pushcfunction(L, socket_sleep);
  lua_setfield(L, -2, "sleep");
}
