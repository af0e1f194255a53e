/* Synchronisation for script threads (NSE-NOTES §5.6): nmap.mutex,
 * nmap.condvar, nmap.new_try, and nmap.socket.sleep. lib_nmap.c calls these
 * while building its module tables. Internal to src/nse. */
#ifndef PORTOLAN_NSE_SYNC_H
#define PORTOLAN_NSE_SYNC_H

#include <lua.h>

/* [-0, +0, m] Sets `mutex`, `condvar` and `new_try` on the table at the
 * stack top. */
void nse_sync_register(lua_State *L);
/* [-0, +0, m] Sets `sleep` on the table at the stack top. */
void nse_sleep_register(lua_State *L);

#endif
