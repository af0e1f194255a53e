/* The scheduler's contract with the C modules (lib_nmap, the socket object,
 * sleep, mutexes). Internal to src/nse.
 *
 * A blocking NSE call (socket I/O, sleep, mutex lock, condvar wait):
 *   1. checks its arguments (raising on misuse) before starting anything;
 *   2. starts the libuv operation with a C request that records
 *      `struct nse_thread *t = sched_current(L)` and sched_thread_hold(t);
 *   3. returns sched_yield(L, ctx, k) so the coroutine yields to the
 *      scheduler (through nested coroutines, NSE-NOTES §5.5);
 *   4. the libuv callback stores the result in the C request (never
 *      touching Lua) and calls sched_wake(t), then sched_thread_release(t);
 *   5. when the scheduler resumes the thread, continuation k runs and
 *      pushes the results from the C request.
 * An operation that completes at once returns its results without
 * yielding (NSE-NOTES §13.9).
 *
 * A thread that ends (normally, by error, timeout or Ctrl-C) runs its close
 * handlers, which cancel its pending operations; completions that arrive
 * later see sched_thread_alive() == 0 and touch nothing. */
#ifndef PORTOLAN_NSE_SCHED_H
#define PORTOLAN_NSE_SCHED_H

#include <lua.h>
#include <uv.h>

#include "core/options.h"

struct nse_thread;
struct nse_engine;

/* The script thread (base coroutine) that L (the running coroutine, maybe
 * a nested one) belongs to, or NULL outside any script thread. */
struct nse_thread *sched_current(lua_State *L);

/* Keeps t's memory valid while a request refers to it. */
void sched_thread_hold(struct nse_thread *t);
void sched_thread_release(struct nse_thread *t);
/* 0 once the thread has ended. */
int sched_thread_alive(const struct nse_thread *t);

/* Yields the running coroutine to the scheduler; when resumed, k(L, status,
 * ctx) runs. Must be used as `return sched_yield(L, ctx, k);`. Raises if L
 * is not inside a script thread.
 * libc's <sched.h> (pulled in by uv.h) owns the name sched_yield(void), so
 * the function is sched_yield_lua and the documented three-argument name
 * is a macro; <sched.h> is included first so its declaration is never
 * seen after the macro. */
#include <sched.h>
int sched_yield_lua(lua_State *L, lua_KContext ctx, lua_KFunction k);
#define sched_yield(L, ctx, k) sched_yield_lua(L, ctx, k)

/* Marks t ready to resume. Safe from libuv callbacks: touches no Lua.
 * No-op when t has ended. */
void sched_wake(struct nse_thread *t);

/* Close handlers: fn(ud) runs once when t ends, unless removed first. key
 * identifies the handler (one per key). Handlers must not touch Lua state
 * other than through the registry refs they own, and never yield. */
typedef void (*sched_close_fn)(lua_State *L, void *ud);
void sched_on_close(struct nse_thread *t, void *key, sched_close_fn fn,
                    void *ud);
void sched_cancel_close(struct nse_thread *t, void *key);

/* Engine facts for modules. */
struct nse_engine *sched_engine(lua_State *L);
uv_loop_t *sched_loop(lua_State *L);
const struct scan_opts *sched_opts(lua_State *L);

#endif
