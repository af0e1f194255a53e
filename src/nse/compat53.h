/* Lua 5.3 behaviour restored for Nmap 7.93's nselib (compat53.c). */
#ifndef PORTOLAN_NSE_COMPAT53_H
#define PORTOLAN_NSE_COMPAT53_H
#include <lua.h>

/* Replaces string.unpack with one that reads an unterminated 'z' string to
 * the end of the data, as Lua 5.3 did. Call after the standard libraries
 * are open, before any library makes a local alias of string.unpack. */
void nse_compat53_open(lua_State *L);

#endif
