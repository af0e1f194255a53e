/* The socket lock (see socklock.h).
 *
 * State lives in a userdata in the Lua registry (one per lua_State), so a
 * test that creates several engines gets several locks. Invariants:
 *  - nactive == number of holders whose member list is non-empty;
 *  - every holder holds its thread (sched_thread_hold) and has a close
 *    handler on it, both released when the thread ends or the state goes;
 *  - every parked thread is held, with a close handler (key: the lock
 *    state), until it is woken or ends;
 *  - holders are keyed by thread in k->holders; an instance record (key:
 *    the memory account its base thread and workers share) lives while a
 *    holder refers to it, and its nsock == the members of those holders.
 *    Holders go in their thread's close handler, before thread.c releases
 *    the account, so a record never outlives its key's owner. */
#include "nse/socklock.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "core/options.h"
#include "core/xalloc.h"
#include "nse/sched.h"
#include "nse/sched_int.h"

#define LOCK_MT "portolan.socklock"

/* Chained hash of pointer keys: holders by thread, instances by their
 * memory account. Chains stay short (the table doubles when it holds more
 * entries than buckets), so finding a thread's holder and unlinking it
 * are O(1) with 1000 holders (issue #5: a list walk cost ~4% of CPU). */
struct hnode {
  const void *key;
  struct hnode *next;
};

struct htab {
  struct hnode **b;
  size_t nb, n; /* nb: 0 or a power of two */
};

/* One script instance (a base thread and its workers): its connected
 * sockets, and the holders that refer to it. */
struct socklock_inst {
  struct hnode hn; /* first: the node is the record */
  int nsock;
  int refs;
};

struct socklock_holder {
  struct hnode hn; /* first: the node is the record */
  struct socklock *lock;
  struct nse_thread *t;
  struct socklock_inst *inst;
  struct socklock_member head; /* circular list sentinel */
  int active;
};

struct socklock {
  int cap; /* 0 until first use (the options are known then) */
  int inst_cap;
  int nactive;
  struct htab holders, insts;
  struct nse_thread **parked;
  size_t nparked, parked_cap;
};

static const char lock_key = 'k';

static size_t hslot(const struct htab *tb, const void *key) {
  uint64_t x = (uint64_t)(uintptr_t)key;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x & (tb->nb - 1);
}

static struct hnode *hfind(const struct htab *tb, const void *key) {
  if (tb->nb == 0)
    return NULL;
  for (struct hnode *n = tb->b[hslot(tb, key)]; n != NULL; n = n->next)
    if (n->key == key)
      return n;
  return NULL;
}

static void hput(struct htab *tb, struct hnode *n) {
  if (tb->n >= tb->nb) {
    size_t nb = tb->nb ? tb->nb * 2 : 64;
    struct hnode **b = xcalloc(nb, sizeof *b);
    struct htab grown = {b, nb, tb->n};
    for (size_t i = 0; i < tb->nb; i++)
      while (tb->b[i] != NULL) {
        struct hnode *m = tb->b[i];
        tb->b[i] = m->next;
        size_t j = hslot(&grown, m->key);
        m->next = b[j];
        b[j] = m;
      }
    free(tb->b);
    *tb = grown;
  }
  size_t j = hslot(tb, n->key);
  n->next = tb->b[j];
  tb->b[j] = n;
  tb->n++;
}

static void hdel(struct htab *tb, struct hnode *n) {
  for (struct hnode **p = &tb->b[hslot(tb, n->key)]; *p != NULL;
       p = &(*p)->next)
    if (*p == n) {
      *p = n->next;
      tb->n--;
      return;
    }
}

/* Removes and returns any entry, or NULL when the table is empty. */
static struct hnode *hpop(struct htab *tb) {
  for (size_t i = 0; i < tb->nb && tb->n > 0; i++)
    if (tb->b[i] != NULL) {
      struct hnode *n = tb->b[i];
      tb->b[i] = n->next;
      tb->n--;
      return n;
    }
  return NULL;
}

static long fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 1024;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 24)
    return 1L << 24;
  return (long)rl.rlim_cur;
}

int socklock_default_cap(void) {
  long cap = (fd_limit() - 64) / 4;
  if (cap < 8)
    cap = 8;
  if (cap > 1 << 20)
    cap = 1 << 20;
  return (int)cap;
}

int socklock_instance_cap(void) {
  long cap = (fd_limit() - 64) / 8;
  if (cap < 16)
    cap = 16;
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

/* The instance t belongs to: workers share their base thread's memory
 * account (thread.c), which lives until the last of them ends. */
static const void *inst_key(const struct nse_thread *t) {
  return t->acct != NULL ? (const void *)t->acct : (const void *)t;
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
  m->h->inst->nsock--;
  m->prev->next = m->next;
  m->next->prev = m->prev;
  m->prev = m->next = NULL;
  m->h = NULL;
}

/* Drops h's reference to its instance record and frees h. */
static void holder_free(struct socklock *k, struct socklock_holder *h) {
  struct socklock_inst *in = h->inst;
  if (--in->refs == 0) {
    hdel(&k->insts, &in->hn);
    free(in);
  }
  free(h);
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
  hdel(&k->holders, &h->hn);
  sched_thread_release(h->t);
  holder_free(k, h);
}

static struct socklock_holder *holder_new(struct socklock *k,
                                          struct nse_thread *t) {
  struct socklock_holder *h = xcalloc(1, sizeof *h);
  const void *key = inst_key(t);
  struct socklock_inst *in = (struct socklock_inst *)hfind(&k->insts, key);
  if (in == NULL) {
    in = xcalloc(1, sizeof *in);
    in->hn.key = key;
    hput(&k->insts, &in->hn);
  }
  in->refs++;
  h->hn.key = t;
  h->lock = k;
  h->t = t;
  h->inst = in;
  h->head.next = h->head.prev = &h->head;
  hput(&k->holders, &h->hn);
  sched_thread_hold(t);
  sched_on_close(t, h, holder_closed, h);
  return h;
}

static void init_caps(lua_State *L, struct socklock *k) {
  if (k->cap != 0)
    return;
  const struct scan_opts *o = sched_opts(L);
  k->cap = o != NULL && o->max_parallelism > 0 ? o->max_parallelism
                                               : socklock_default_cap();
  k->inst_cap = socklock_instance_cap();
}

int socklock_enter(lua_State *L, struct nse_thread *t,
                   struct socklock_member *m) {
  struct socklock *k = lock_of(L);
  init_caps(L, k);
  socklock_leave(m);
  struct socklock_holder *h = (struct socklock_holder *)hfind(&k->holders, t);
  if (h == NULL || !h->active) {
    if (k->nactive >= k->cap) {
      k->parked =
          xgrow(k->parked, &k->parked_cap, k->nparked + 1, sizeof *k->parked);
      k->parked[k->nparked++] = t;
      sched_thread_hold(t);
      sched_on_close(t, k, parked_closed, k);
      return 0;
    }
    if (h == NULL)
      h = holder_new(k, t);
    h->active = 1;
    k->nactive++;
  }
  m->h = h;
  m->next = &h->head;
  m->prev = h->head.prev;
  h->head.prev->next = m;
  h->head.prev = m;
  h->inst->nsock++;
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

int socklock_instance_full(lua_State *L, struct nse_thread *t) {
  struct socklock *k = lock_of(L);
  if (k == NULL)
    return 0;
  init_caps(L, k);
  const struct socklock_inst *in =
      (const struct socklock_inst *)hfind(&k->insts, inst_key(t));
  return in != NULL && in->nsock >= k->inst_cap;
}

size_t socklock_waiting(lua_State *L) {
  struct socklock *k = lock_of(L);
  return k != NULL ? k->nparked : 0;
}

/* The state goes with the Lua state: members are detached (their sockets
 * close through their own __gc), holds and handlers are dropped. */
static int lock_gc(lua_State *L) {
  struct socklock *k = luaL_checkudata(L, 1, LOCK_MT);
  struct hnode *n;
  while ((n = hpop(&k->holders)) != NULL) {
    struct socklock_holder *h = (struct socklock_holder *)n;
    while (h->head.next != &h->head)
      unlink_member(h->head.next);
    sched_cancel_close(h->t, h);
    sched_thread_release(h->t);
    holder_free(k, h);
  }
  free(k->holders.b);
  free(k->insts.b);
  k->holders = k->insts = (struct htab){0};
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
