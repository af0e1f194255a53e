/* The socket lock (see socklock.h).
 *
 * State lives in a userdata in the Lua registry (one per lua_State), so a
 * test that creates several engines gets several locks. Invariants:
 *  - nactive == number of holders whose member list is non-empty;
 *  - every holder holds its thread (sched_thread_hold) and has a close
 *    handler on it, both released when the thread ends or the state goes;
 *  - every parked thread is held, with a close handler (key: the lock
 *    state), until it is woken or ends. */
#include "nse/socklock.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "core/options.h"
#include "core/xalloc.h"
#include "nse/sched.h"

#define LOCK_MT "portolan.socklock"

struct socklock_holder {
  struct socklock *lock;
  struct nse_thread *t;
  struct socklock_member head; /* circular list sentinel */
  int active;
  struct socklock_holder *next;
};

struct socklock {
  int cap; /* 0 until first use (the options are known then) */
  int nactive;
  struct socklock_holder *holders;
  struct nse_thread **parked;
  size_t nparked, parked_cap;
};

static const char lock_key = 'k';

int socklock_default_cap(void) {
  struct rlimit rl;
  long n = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    n = (long)rl.rlim_cur;
  else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    n = 1 << 20;
  long cap = (n - 64) / 4;
  if (cap < 8)
    cap = 8;
  if (cap > 1 << 20)
    cap = 1 << 20;
  return (int)cap;
}

static struct socklock *lock_of(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lock_key);
  struct socklock *k = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return k;
}

static void wake_parked(struct socklock *k) {
  size_t n = k->nparked;
  k->nparked = 0;
  for (size_t i = 0; i < n; i++) {
    sched_cancel_close(k->parked[i], k);
    sched_wake(k->parked[i]);
    sched_thread_release(k->parked[i]);
  }
}

/* Close handler of a parked thread that ends before a place frees: it
 * leaves the queue (so get_stats stays true) and drops its hold. */
static void parked_closed(lua_State *L, void *ud) {
  struct socklock *k = ud;
  (void)L;
  /* The ending thread is the only parked one that is not alive: each
   * removes itself as it ends. */
  for (size_t i = 0; i < k->nparked; i++)
    if (!sched_thread_alive(k->parked[i])) {
      struct nse_thread *t = k->parked[i];
      k->parked[i] = k->parked[--k->nparked];
      sched_thread_release(t);
      return;
    }
}

static void deactivate(struct socklock_holder *h) {
  if (!h->active)
    return;
  h->active = 0;
  h->lock->nactive--;
  wake_parked(h->lock);
}

static void unlink_member(struct socklock_member *m) {
  m->prev->next = m->next;
  m->next->prev = m->prev;
  m->prev = m->next = NULL;
  m->h = NULL;
}

/* Close handler: the holder's thread ended. Its sockets are closed (§5.9
 * "sockets of finished threads are closed") and its place is freed. */
static void holder_closed(lua_State *L, void *ud) {
  struct socklock_holder *h = ud;
  struct socklock *k = h->lock;
  (void)L;
  while (h->head.next != &h->head) {
    struct socklock_member *m = h->head.next;
    unlink_member(m);
    if (m->close != NULL)
      m->close(m);
  }
  deactivate(h);
  for (struct socklock_holder **p = &k->holders; *p != NULL; p = &(*p)->next)
    if (*p == h) {
      *p = h->next;
      break;
    }
  sched_thread_release(h->t);
  free(h);
}

static struct socklock_holder *holder_find(struct socklock *k,
                                           struct nse_thread *t) {
  for (struct socklock_holder *h = k->holders; h != NULL; h = h->next)
    if (h->t == t)
      return h;
  return NULL;
}

int socklock_enter(lua_State *L, struct nse_thread *t,
                   struct socklock_member *m) {
  struct socklock *k = lock_of(L);
  if (k->cap == 0) {
    const struct scan_opts *o = sched_opts(L);
    k->cap = o != NULL && o->max_parallelism > 0 ? o->max_parallelism
                                                 : socklock_default_cap();
  }
  socklock_leave(m);
  struct socklock_holder *h = holder_find(k, t);
  if (h == NULL || !h->active) {
    if (k->nactive >= k->cap) {
      k->parked =
          xgrow(k->parked, &k->parked_cap, k->nparked + 1, sizeof *k->parked);
      k->parked[k->nparked++] = t;
      sched_thread_hold(t);
      sched_on_close(t, k, parked_closed, k);
      return 0;
    }
    if (h == NULL) {
      h = xcalloc(1, sizeof *h);
      h->lock = k;
      h->t = t;
      h->head.next = h->head.prev = &h->head;
      h->next = k->holders;
      k->holders = h;
      sched_thread_hold(t);
      sched_on_close(t, h, holder_closed, h);
    }
    h->active = 1;
    k->nactive++;
  }
  m->h = h;
  m->next = &h->head;
  m->prev = h->head.prev;
  h->head.prev->next = m;
  h->head.prev = m;
  return 1;
}

void socklock_leave(struct socklock_member *m) {
  struct socklock_holder *h = m->h;
  if (h == NULL)
    return;
  unlink_member(m);
  if (h->head.next == &h->head)
    deactivate(h);
}

size_t socklock_waiting(lua_State *L) {
  struct socklock *k = lock_of(L);
  return k != NULL ? k->nparked : 0;
}

/* The state goes with the Lua state: members are detached (their sockets
 * close through their own __gc), holds and handlers are dropped. */
static int lock_gc(lua_State *L) {
  struct socklock *k = luaL_checkudata(L, 1, LOCK_MT);
  while (k->holders != NULL) {
    struct socklock_holder *h = k->holders;
    k->holders = h->next;
    while (h->head.next != &h->head)
      unlink_member(h->head.next);
    sched_cancel_close(h->t, h);
    sched_thread_release(h->t);
    free(h);
  }
  for (size_t i = 0; i < k->nparked; i++) {
    sched_cancel_close(k->parked[i], k);
    sched_thread_release(k->parked[i]);
  }
  free(k->parked);
  k->parked = NULL;
  k->nparked = 0;
  return 0;
}

void socklock_init(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &lock_key);
  int exists = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (exists)
    return;
  struct socklock *k = lua_newuserdatauv(L, sizeof *k, 0);
  *k = (struct socklock){0};
  if (luaL_newmetatable(L, LOCK_MT)) {
    lua_pushcfunction(L, lock_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &lock_key);
}
