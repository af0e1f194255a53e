/* The `libssh2` C module of NSE (lib_libssh2.c): Nmap's binding of libssh2
 * for libssh2-utility.lua and the ssh-* scripts. */
#ifndef PORTOLAN_NSE_LIB_LIBSSH2_H
#define PORTOLAN_NSE_LIB_LIBSSH2_H

#include <lua.h>

/* [-0, +1, e] Pushes the module table; registers the session and channel
 * metatables. Its blocking functions must run inside an NSE script thread
 * (they yield through the scheduler); elsewhere they raise. */
int luaopen_libssh2(lua_State *L);

#endif
