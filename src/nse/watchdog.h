/* The watchdog: interrupts a script thread that computes for too long
 * without keeping a Lua hook on every instruction (issue #5).
 *
 * A count hook makes Lua 5.4 trap every instruction (about 35% slower on
 * tight loops), so threads run with no hook. Instead the scheduler records
 * the chain of coroutines being resumed (the base coroutine, then nested
 * ones entered through the coroutine.resume replacement) and a deadline;
 * a helper OS thread, that never touches Lua, signals the main thread when
 * a resume outlives its deadline, and the signal handler installs the
 * hook on every coroutine of the chain, the way lua.c stops a script on
 * Ctrl-C (lua_sethook is safe in a signal handler). The hook then decides
 * (slice over, timeout, memory) and removes itself when nothing is due.
 * Internal to src/nse; main-thread functions except the helper. */
#ifndef PORTOLAN_NSE_WATCHDOG_H
#define PORTOLAN_NSE_WATCHDOG_H

#include <stdint.h>

#include <lua.h>

/* Starts the helper (counted: one per engine). 0 or a negative code. */
int watchdog_start(lua_Hook hook);
void watchdog_stop(void);

/* A resume of base coroutine co begins; the hook is due after budget_ms. */
void watchdog_enter(lua_State *co, uint64_t budget_ms);
/* The hook found nothing due yet: due again after budget_ms. */
void watchdog_rearm(uint64_t budget_ms);
/* The resume ended (forgets nested entries too). */
void watchdog_leave(void);
/* Installs the hook on the chain now (main thread: the allocator calls it
 * when it refuses memory to the running instance). */
void watchdog_fire(void);

/* lua: ENTER(co) -> co, records a nested resume; LEAVE(...) -> ... */
int watchdog_lua_enter(lua_State *L);
int watchdog_lua_leave(lua_State *L);

#endif
