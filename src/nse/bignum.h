/* The BIGNUM userdata scripts see (NSE-NOTES §7.7): certificate public
 * keys carry them, and the `openssl` module's bignum_* functions take them.
 * One metatable for both, so a modulus from a certificate can be passed to
 * openssl.bignum_bn2hex. Internal to src/nse. */
#ifndef PORTOLAN_NSE_BIGNUM_H
#define PORTOLAN_NSE_BIGNUM_H

#include <lua.h>
#include <openssl/bn.h>

#define NSE_BIGNUM_MT "portolan.bignum"

/* [-0, +1, m] Pushes a BIGNUM userdata that takes over bn (freed by
 * __gc). */
void nse_push_bignum(lua_State *L, BIGNUM *bn);
/* [-0, +0, v] The BIGNUM at idx, raising a type error otherwise. */
BIGNUM *nse_check_bignum(lua_State *L, int idx);

enum nse_bignum_form { NSE_BN_BIN, NSE_BN_DEC, NSE_BN_HEX };
/* [-0, +1, v] Pushes the BIGNUM at idx as big-endian bytes, decimal text or
 * hex text: the methods :tobin/:todec/:tohex and openssl.bignum_bn2bin/
 * bn2dec/bn2hex share it. */
int nse_push_bignum_as(lua_State *L, int idx, enum nse_bignum_form form);

#endif
