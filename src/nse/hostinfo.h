/* The Lua host and port tables (NSE-NOTES §2) built from the C model, and
 * the way back from a script's table to the C host and port (§2.3).
 * Internal to src/nse. */
#ifndef PORTOLAN_NSE_HOSTINFO_H
#define PORTOLAN_NSE_HOSTINFO_H

#include <lua.h>

#include "core/host.h"

/* [-0, +1, m] Pushes a new host table for h (fields of §2.1; `registry` is
 * the per-host shared table, `_Target` a light userdata to h). */
void nse_push_host(lua_State *L, struct host *h);
/* [-0, +1, m] Pushes a new port table for pt (§2.2). */
void nse_push_port(lua_State *L, struct host *h, const struct port *pt);
/* [-0, +0, v] The C host behind the host table at idx (through _Target),
 * raising an argument error when it is not one. */
struct host *nse_check_host(lua_State *L, int idx);
/* [-0, +0, v] Reads {number=, protocol=} from the port table at idx,
 * raising on a malformed one. */
void nse_check_port(lua_State *L, int idx, uint16_t *number, enum proto *p);

#endif
