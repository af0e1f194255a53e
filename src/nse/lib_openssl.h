/* The `openssl` C module (NSE-NOTES §11; Nmap's openssl.luadoc): digests,
 * HMAC, symmetric ciphers, random bytes and BIGNUM arithmetic over
 * OpenSSL 3. Internal to src/nse: the engine registers it as a global and
 * in package.loaded. */
#ifndef PORTOLAN_NSE_LIB_OPENSSL_H
#define PORTOLAN_NSE_LIB_OPENSSL_H

#include <lua.h>

/* [-0, +1, m] Pushes the module table. */
int luaopen_openssl(lua_State *L);

#endif
