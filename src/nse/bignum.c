/* BIGNUM userdata (see bignum.h). The userdata holds the pointer; a NULL
 * pointer never escapes (nse_push_bignum is only called with a number).
 * tostring gives upper-case hex, as Nmap's does ("010001"). */
#include "nse/bignum.h"

#include <lauxlib.h>
#include <openssl/crypto.h>

struct bn_box {
  BIGNUM *bn;
};

BIGNUM *nse_check_bignum(lua_State *L, int idx) {
  struct bn_box *b = luaL_checkudata(L, idx, NSE_BIGNUM_MT);
  if (b->bn == NULL)
    luaL_argerror(L, idx, "BIGNUM already freed");
  return b->bn;
}

static int bn_gc(lua_State *L) {
  struct bn_box *b = luaL_checkudata(L, 1, NSE_BIGNUM_MT);
  BN_free(b->bn);
  b->bn = NULL;
  return 0;
}

int nse_push_bignum_as(lua_State *L, int idx, enum nse_bignum_form form) {
  BIGNUM *bn = nse_check_bignum(L, idx);
  if (form == NSE_BN_BIN) {
    luaL_Buffer b;
    int n = BN_num_bytes(bn);
    unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
    BN_bn2bin(bn, p);
    luaL_pushresultsize(&b, (size_t)n);
    return 1;
  }
  char *s = form == NSE_BN_HEX ? BN_bn2hex(bn) : BN_bn2dec(bn);
  if (s == NULL)
    return luaL_error(L, "out of memory");
  lua_pushstring(L, s);
  OPENSSL_free(s);
  return 1;
}

static int bn_tohex(lua_State *L) {
  return nse_push_bignum_as(L, 1, NSE_BN_HEX);
}

static int bn_todec(lua_State *L) {
  return nse_push_bignum_as(L, 1, NSE_BN_DEC);
}

static int bn_tobin(lua_State *L) {
  return nse_push_bignum_as(L, 1, NSE_BN_BIN);
}

static int bn_num_bits(lua_State *L) {
  lua_pushinteger(L, BN_num_bits(nse_check_bignum(L, 1)));
  return 1;
}

static int bn_num_bytes(lua_State *L) {
  lua_pushinteger(L, BN_num_bytes(nse_check_bignum(L, 1)));
  return 1;
}

static int bit_arg(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n < (1 << 24), 2, "bit index out of range");
  return (int)n;
}

static int bn_is_bit_set(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  lua_pushboolean(L, BN_is_bit_set(bn, bit_arg(L)));
  return 1;
}

static int bn_set_bit(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  lua_pushboolean(L, BN_set_bit(bn, bit_arg(L)));
  return 1;
}

static int bn_clear_bit(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  lua_pushboolean(L, BN_clear_bit(bn, bit_arg(L)));
  return 1;
}

static int bn_is_prime(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  BN_CTX *ctx = BN_CTX_new();
  int r = BN_check_prime(bn, ctx, NULL);
  BN_CTX_free(ctx);
  lua_pushboolean(L, r == 1);
  return 1;
}

/* A safe prime p is prime with (p-1)/2 prime too. */
static int bn_is_safe_prime(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *q = BN_dup(bn);
  int r = BN_check_prime(bn, ctx, NULL) == 1 && q != NULL && BN_rshift1(q, q) &&
          BN_check_prime(q, ctx, NULL) == 1;
  BN_free(q);
  BN_CTX_free(ctx);
  lua_pushboolean(L, r);
  return 1;
}

static const luaL_Reg bn_methods[] = {
    {"tobin", bn_tobin},
    {"todec", bn_todec},
    {"tohex", bn_tohex},
    {"num_bits", bn_num_bits},
    {"num_bytes", bn_num_bytes},
    {"is_bit_set", bn_is_bit_set},
    {"set_bit", bn_set_bit},
    {"clear_bit", bn_clear_bit},
    {"is_prime", bn_is_prime},
    {"is_safe_prime", bn_is_safe_prime},
    {NULL, NULL},
};

void nse_push_bignum(lua_State *L, BIGNUM *bn) {
  struct bn_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->bn = NULL;
  if (luaL_newmetatable(L, NSE_BIGNUM_MT)) {
    luaL_newlib(L, bn_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, bn_tohex);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, bn_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  b->bn = bn;
}
