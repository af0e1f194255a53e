/* The `zlib` C module with the API of Nmap's zlib.luadoc (lzlib's):
 * checksums, one-shot compress/decompress and file-like inflate/deflate
 * streams. Internal to src/nse: the engine registers it as a global and in
 * package.loaded. */
#ifndef PORTOLAN_NSE_LIB_ZLIB_H
#define PORTOLAN_NSE_LIB_ZLIB_H

#include <lua.h>

/* [-0, +1, m] Pushes the module table. */
int luaopen_zlib(lua_State *L);

#endif
