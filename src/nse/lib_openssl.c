/* The `openssl` C module (see lib_openssl.h): the functions of Nmap's
 * openssl.luadoc over OpenSSL 3.
 *
 * Every algorithm is fetched from a library context of our own in which
 * the default and the legacy providers are loaded, once per process: NSE
 * protocols (SMB, VNC, MSSQL, Oracle) still need MD4, DES, RC4 and CAST5,
 * which OpenSSL 3 keeps in the legacy provider, and loading it into the
 * global context would change what the TLS code in src/net negotiates.
 *
 * Invariants: arguments are checked and the result buffer reserved (on the
 * Lua stack) before any OpenSSL object is created, so nothing allocated by
 * OpenSSL is held across a Lua error; each such object is freed before the
 * function raises or returns. Script-supplied lengths are bounded. */
#include "nse/lib_openssl.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "core/xalloc.h"
#include "nse/bignum.h"

/* Largest random string or random bignum a script may ask for. */
#define RAND_MAX_BYTES (16 * 1024 * 1024)
/* Longest key accepted (RC4 and Blowfish take variable-length keys). */
#define VAR_KEY_MAX 256

static OSSL_LIB_CTX *libctx;
static pthread_once_t libctx_once = PTHREAD_ONCE_INIT;

/* The providers stay loaded for the life of the process: algorithms
 * fetched from them may be cached by OpenSSL. A missing legacy provider
 * leaves MD4/DES/RC4 unavailable; those then fail as unknown algorithms. */
static void libctx_init(void) {
  /* Fills the name table supported_* list and the alias lookups use. */
  OPENSSL_init_crypto(
      OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS, NULL);
  libctx = OSSL_LIB_CTX_new();
  if (libctx == NULL)
    return;
  OSSL_PROVIDER_load(libctx, "default");
  OSSL_PROVIDER_load(libctx, "legacy");
  ERR_clear_error();
}

/* [-0, +0, v] Raises "<what>: <OpenSSL's reason>" and clears the queue. */
static int raise_ossl(lua_State *L, const char *what) {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  if (e == 0)
    return luaL_error(L, "%s", what);
  return luaL_error(L, "%s: %s", what, buf);
}

/* ---- digests and HMAC ---- */

/* Names are looked up as providers know them, then as OpenSSL's older
 * name table does, whose aliases ("RSA-MD5", "ssl3-md5") scripts may use
 * because Nmap resolves names that way. */
static EVP_MD *fetch_md(const char *name) {
  EVP_MD *md = EVP_MD_fetch(libctx, name, NULL);
  if (md == NULL) {
    const EVP_MD *alias = EVP_get_digestbyname(name);
    if (alias != NULL)
      md = EVP_MD_fetch(libctx, EVP_MD_get0_name(alias), NULL);
  }
  ERR_clear_error();
  return md;
}

static EVP_CIPHER *fetch_cipher(const char *name) {
  EVP_CIPHER *c = EVP_CIPHER_fetch(libctx, name, NULL);
  if (c == NULL) {
    const EVP_CIPHER *alias = EVP_get_cipherbyname(name);
    if (alias != NULL)
      c = EVP_CIPHER_fetch(libctx, EVP_CIPHER_get0_name(alias), NULL);
  }
  ERR_clear_error();
  return c;
}

/* [-0, +1, e] Pushes the digest of data under the named algorithm. */
static int push_digest(lua_State *L, const char *name, const char *data,
                       size_t len) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD *md = fetch_md(name);
  if (md == NULL)
    return luaL_error(L, "Unknown digest algorithm: %s", name);
  int ok = EVP_MD_get_size(md) <= EVP_MAX_MD_SIZE &&
           EVP_Digest(data, len, out, &n, md, NULL) == 1;
  EVP_MD_free(md);
  if (!ok)
    return raise_ossl(L, "digest failed");
  lua_pushlstring(L, (const char *)out, n);
  return 1;
}

/* [-0, +1, e] */
static int fixed_digest(lua_State *L, const char *name) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  return push_digest(L, name, s, len);
}

static int openssl_md4(lua_State *L) {
  return fixed_digest(L, "MD4");
}

static int openssl_md5(lua_State *L) {
  return fixed_digest(L, "MD5");
}

static int openssl_sha1(lua_State *L) {
  return fixed_digest(L, "SHA1");
}

static int openssl_ripemd160(lua_State *L) {
  return fixed_digest(L, "RIPEMD160");
}

/* [-0, +1, e] digest(algorithm, message) */
static int openssl_digest(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  return push_digest(L, name, s, len);
}

/* [-0, +1, e] hmac(algorithm, key, message) */
static int openssl_hmac(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  size_t klen, dlen;
  const char *key = luaL_checklstring(L, 2, &klen);
  const char *data = luaL_checklstring(L, 3, &dlen);
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t n = 0;

  /* Checked first so that an unknown name reads as such, not as a MAC
   * failure. */
  EVP_MD *md = fetch_md(name);
  if (md == NULL)
    return luaL_error(L, "Unknown digest algorithm: %s", name);
  EVP_MAC *mac = EVP_MAC_fetch(libctx, "HMAC", NULL);
  EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                               (char *)EVP_MD_get0_name(md), 0);
  params[1] = OSSL_PARAM_construct_end();
  /* An empty key is valid HMAC (RFC 2104 pads it with zeros). */
  int ok = ctx != NULL &&
           EVP_MAC_init(ctx, (const unsigned char *)key, klen, params) == 1 &&
           EVP_MAC_update(ctx, (const unsigned char *)data, dlen) == 1 &&
           EVP_MAC_final(ctx, out, &n, sizeof out) == 1;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  EVP_MD_free(md);
  if (!ok)
    return raise_ossl(L, "hmac failed");
  lua_pushlstring(L, (const char *)out, n);
  return 1;
}

/* ---- symmetric ciphers ---- */

/* [-0, +1, e] encrypt/decrypt(algorithm, key, iv, data, padding) */
static int cipher_run(lua_State *L, int enc) {
  const char *name = luaL_checkstring(L, 1);
  size_t klen, ivlen = 0, dlen;
  const char *key = luaL_checklstring(L, 2, &klen);
  const char *iv = luaL_optlstring(L, 3, NULL, &ivlen);
  const char *data = luaL_checklstring(L, 4, &dlen);
  int padding = lua_toboolean(L, 5);
  luaL_argcheck(L, dlen <= INT_MAX - 2 * EVP_MAX_BLOCK_LENGTH, 4,
                "data too long");
  luaL_argcheck(L, klen <= VAR_KEY_MAX, 2, "key too long");

  luaL_Buffer b;
  unsigned char *out = (unsigned char *)luaL_buffinitsize(
      L, &b, dlen + 2 * EVP_MAX_BLOCK_LENGTH);

  EVP_CIPHER *c = fetch_cipher(name);
  if (c == NULL)
    return luaL_error(L, "Unknown cipher algorithm: %s", name);
  /* The IV goes through a zeroed buffer of the cipher's size, so the
   * cipher never reads past the script's string. */
  unsigned char ivbuf[EVP_MAX_IV_LENGTH];
  memset(ivbuf, 0, sizeof ivbuf);
  size_t ivneed = (size_t)EVP_CIPHER_get_iv_length(c);
  if (ivneed > sizeof ivbuf)
    ivneed = sizeof ivbuf;
  /* As Nmap: nil or "" means no IV (zeros); any other length must be the
   * cipher's. */
  if (ivlen > 0 && ivlen != ivneed) {
    EVP_CIPHER_free(c);
    return luaL_error(L, "Length of iv is %d; should be %d", (int)ivlen,
                      (int)ivneed);
  }
  if (iv != NULL)
    memcpy(ivbuf, iv, ivlen < ivneed ? ivlen : ivneed);

  /* Setting the key length fails unless it is the cipher's own or the
   * cipher takes variable-length keys (RC4, Blowfish, CAST5). */
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int ok = ctx != NULL &&
           EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL) == 1 &&
           EVP_CIPHER_CTX_set_padding(ctx, padding) == 1;
  /* An empty key is refused: RC4's key schedule divides by its length. */
  if (ok && (klen == 0 || EVP_CIPHER_CTX_set_key_length(ctx, (int)klen) != 1)) {
    int need = EVP_CIPHER_get_key_length(c);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    ERR_clear_error();
    return luaL_error(L,
                      "OpenSSL error: invalid key length %d for cipher %s "
                      "(needs %d)",
                      (int)klen, name, need);
  }
  int n1 = 0, n2 = 0;
  ok = ok &&
       EVP_CipherInit_ex2(ctx, NULL, (const unsigned char *)key,
                          ivneed > 0 ? ivbuf : NULL, enc, NULL) == 1 &&
       EVP_CipherUpdate(ctx, out, &n1, (const unsigned char *)data,
                        (int)dlen) == 1 &&
       EVP_CipherFinal_ex(ctx, out + n1, &n2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
  if (!ok)
    return raise_ossl(L, "OpenSSL error");
  luaL_pushresultsize(&b, (size_t)n1 + (size_t)n2);
  return 1;
}

static int openssl_encrypt(lua_State *L) {
  return cipher_run(L, 1);
}

static int openssl_decrypt(lua_State *L) {
  return cipher_run(L, 0);
}

/* [-0, +1, e] DES_string_to_key(data): the 56 bits of a 7-byte string
 * spread over 8 bytes, 7 bits in the high bits of each (the LM and NTLMv1
 * key schedule). The low, parity, bits are left clear as Nmap 7.93 on
 * OpenSSL 3 returns them; DES ignores them. */
static int openssl_DES_string_to_key(lua_State *L) {
  size_t len;
  const unsigned char *in =
      (const unsigned char *)luaL_checklstring(L, 1, &len);
  if (len != 7)
    return luaL_error(L, "String must have length of 7 bytes.");
  unsigned char k[8];
  k[0] = in[0];
  for (int i = 1; i < 7; i++)
    k[i] = (unsigned char)((in[i - 1] << (8 - i)) | (in[i] >> i));
  k[7] = (unsigned char)(in[6] << 1);
  for (int i = 0; i < 8; i++)
    k[i] &= 0xfe;
  lua_pushlstring(L, (const char *)k, sizeof k);
  return 1;
}

/* ---- random data ---- */

/* [-0, +1, e] rand_bytes(n) and rand_pseudo_bytes(n): both come from the
 * CSPRNG (OpenSSL 3 has no weaker generator). */
static int openssl_rand_bytes(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 0 && n <= RAND_MAX_BYTES, 1, "length out of range");
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
  if (n > 0 && RAND_bytes_ex(libctx, p, (size_t)n, 0) != 1)
    return raise_ossl(L, "RAND_bytes failed");
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* ---- algorithm lists ---- */

/* The lists are OpenSSL's name table, aliases included and sorted, as
 * Nmap gives them ("RSA-MD5", "md5", "md5WithRSAEncryption", ...). The
 * names are collected in C first because OpenSSL's callback must not
 * longjmp. */
struct names {
  const char **v;
  size_t n, cap;
};

static void names_add(const OBJ_NAME *name, void *arg) {
  struct names *ns = arg;
  ns->v = xgrow(ns->v, &ns->cap, ns->n + 1, sizeof *ns->v);
  ns->v[ns->n++] = name->name;
}

/* [-0, +1, m] */
static int push_names(lua_State *L, int type) {
  struct names ns = {NULL, 0, 0};
  OBJ_NAME_do_all_sorted(type, names_add, &ns);
  /* The strings belong to OpenSSL's table, which lives as long as the
   * process; only the array is ours. */
  lua_createtable(L, (int)ns.n, 0);
  for (size_t i = 0; i < ns.n; i++) {
    lua_pushstring(L, ns.v[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  free(ns.v);
  return 1;
}

static int openssl_supported_digests(lua_State *L) {
  return push_names(L, OBJ_NAME_TYPE_MD_METH);
}

static int openssl_supported_ciphers(lua_State *L) {
  return push_names(L, OBJ_NAME_TYPE_CIPHER_METH);
}

/* ---- bignums ---- */

/* [-0, +1, e] Pushes bn (taken over), or raises if OpenSSL failed to make
 * it. */
static int push_bn(lua_State *L, BIGNUM *bn, const char *what) {
  if (bn == NULL)
    return raise_ossl(L, what);
  nse_push_bignum(L, bn);
  return 1;
}

static int bit_arg(lua_State *L, int idx) {
  lua_Integer n = luaL_checkinteger(L, idx);
  luaL_argcheck(L, n >= 0 && n < RAND_MAX_BYTES * 8, idx,
                "bit position out of range");
  return (int)n;
}

static int openssl_bignum_num_bits(lua_State *L) {
  lua_pushinteger(L, BN_num_bits(nse_check_bignum(L, 1)));
  return 1;
}

static int openssl_bignum_num_bytes(lua_State *L) {
  lua_pushinteger(L, BN_num_bytes(nse_check_bignum(L, 1)));
  return 1;
}

static int openssl_bignum_set_bit(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  int pos = bit_arg(L, 2);
  if (BN_set_bit(bn, pos) != 1)
    return raise_ossl(L, "BN_set_bit failed");
  return 0;
}

static int openssl_bignum_clear_bit(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  BN_clear_bit(bn, bit_arg(L, 2)); /* fails only past the top: a no-op */
  return 0;
}

static int openssl_bignum_is_bit_set(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  lua_pushboolean(L, BN_is_bit_set(bn, bit_arg(L, 2)));
  return 1;
}

/* 1 probably prime, 0 composite, -1 error. */
static int check_prime(const BIGNUM *bn) {
  BN_CTX *ctx = BN_CTX_new_ex(libctx);
  int r = ctx != NULL ? BN_check_prime(bn, ctx, NULL) : -1;
  BN_CTX_free(ctx);
  return r;
}

static int openssl_bignum_is_prime(lua_State *L) {
  int r = check_prime(nse_check_bignum(L, 1));
  if (r < 0)
    return raise_ossl(L, "primality test failed");
  lua_pushboolean(L, r);
  return 1;
}

/* [-0, +2, e] is_safe, is_prime: p is safe when (p-1)/2 is prime too. */
static int openssl_bignum_is_safe_prime(lua_State *L) {
  BIGNUM *bn = nse_check_bignum(L, 1);
  int prime = check_prime(bn);
  int safe = 0;
  if (prime == 1) {
    BIGNUM *q = BN_dup(bn);
    if (q == NULL || BN_rshift1(q, q) != 1)
      safe = -1;
    else
      safe = check_prime(q);
    BN_free(q);
  }
  if (prime < 0 || safe < 0)
    return raise_ossl(L, "primality test failed");
  lua_pushboolean(L, safe);
  lua_pushboolean(L, prime);
  return 2;
}

static int openssl_bignum_bin2bn(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  luaL_argcheck(L, len <= INT_MAX / 8, 1, "string too long");
  BIGNUM *bn = BN_bin2bn((const unsigned char *)s, (int)len, NULL);
  return push_bn(L, bn, "BN_bin2bn failed");
}

/* [-0, +1, e] dec2bn/hex2bn: OpenSSL reads the longest valid prefix; a
 * string with no digit at all is an error rather than a silent zero. */
static int text2bn(lua_State *L, int hex) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  luaL_argcheck(L, len <= 1024 * 1024, 1, "string too long");
  BIGNUM *bn = NULL;
  int used = hex ? BN_hex2bn(&bn, s) : BN_dec2bn(&bn, s);
  if (used == 0) {
    BN_free(bn);
    ERR_clear_error();
    return luaL_argerror(L, 1,
                         hex ? "not a hexadecimal number" : "not a number");
  }
  return push_bn(L, bn, "BN conversion failed");
}

static int openssl_bignum_dec2bn(lua_State *L) {
  return text2bn(L, 0);
}

static int openssl_bignum_hex2bn(lua_State *L) {
  return text2bn(L, 1);
}

static int openssl_bignum_bn2bin(lua_State *L) {
  return nse_push_bignum_as(L, 1, NSE_BN_BIN);
}

static int openssl_bignum_bn2dec(lua_State *L) {
  return nse_push_bignum_as(L, 1, NSE_BN_DEC);
}

static int openssl_bignum_bn2hex(lua_State *L) {
  return nse_push_bignum_as(L, 1, NSE_BN_HEX);
}

/* [-0, +1, e] bignum_rand(bits): uniformly random, top bit not forced. */
static int openssl_bignum_rand(lua_State *L) {
  lua_Integer bits = luaL_checkinteger(L, 1);
  luaL_argcheck(L, bits >= 0 && bits <= RAND_MAX_BYTES * 8, 1,
                "bit count out of range");
  BIGNUM *bn = BN_new();
  if (bn != NULL && BN_rand_ex(bn, (int)bits, BN_RAND_TOP_ANY,
                               BN_RAND_BOTTOM_ANY, 0, NULL) != 1) {
    BN_free(bn);
    bn = NULL;
  }
  return push_bn(L, bn, "BN_rand failed");
}

static int openssl_bignum_mod_exp(lua_State *L) {
  BIGNUM *a = nse_check_bignum(L, 1);
  BIGNUM *p = nse_check_bignum(L, 2);
  BIGNUM *m = nse_check_bignum(L, 3);
  luaL_argcheck(L, !BN_is_zero(m), 3, "modulus is zero");
  BN_CTX *ctx = BN_CTX_new_ex(libctx);
  BIGNUM *r = BN_new();
  if (ctx == NULL || r == NULL || BN_mod_exp(r, a, p, m, ctx) != 1) {
    BN_free(r);
    r = NULL;
  }
  BN_CTX_free(ctx);
  return push_bn(L, r, "BN_mod_exp failed");
}

/* [-0, +2, e] quotient, remainder */
static int openssl_bignum_div(lua_State *L) {
  BIGNUM *a = nse_check_bignum(L, 1);
  BIGNUM *d = nse_check_bignum(L, 2);
  luaL_argcheck(L, !BN_is_zero(d), 2, "division by zero");
  BN_CTX *ctx = BN_CTX_new_ex(libctx);
  BIGNUM *q = BN_new();
  BIGNUM *r = BN_new();
  int ok =
      ctx != NULL && q != NULL && r != NULL && BN_div(q, r, a, d, ctx) == 1;
  BN_CTX_free(ctx);
  if (!ok) {
    BN_free(q);
    BN_free(r);
    return raise_ossl(L, "BN_div failed");
  }
  nse_push_bignum(L, q);
  nse_push_bignum(L, r);
  return 2;
}

static int openssl_bignum_add(lua_State *L) {
  BIGNUM *a = nse_check_bignum(L, 1);
  BIGNUM *b = nse_check_bignum(L, 2);
  BIGNUM *r = BN_new();
  if (r != NULL && BN_add(r, a, b) != 1) {
    BN_free(r);
    r = NULL;
  }
  return push_bn(L, r, "BN_add failed");
}

static const luaL_Reg openssl_funcs[] = {
    {"bignum_num_bits", openssl_bignum_num_bits},
    {"bignum_num_bytes", openssl_bignum_num_bytes},
    {"bignum_set_bit", openssl_bignum_set_bit},
    {"bignum_clear_bit", openssl_bignum_clear_bit},
    {"bignum_is_bit_set", openssl_bignum_is_bit_set},
    {"bignum_is_prime", openssl_bignum_is_prime},
    {"bignum_is_safe_prime", openssl_bignum_is_safe_prime},
    {"bignum_bin2bn", openssl_bignum_bin2bn},
    {"bignum_dec2bn", openssl_bignum_dec2bn},
    {"bignum_hex2bn", openssl_bignum_hex2bn},
    {"bignum_bn2bin", openssl_bignum_bn2bin},
    {"bignum_bn2dec", openssl_bignum_bn2dec},
    {"bignum_bn2hex", openssl_bignum_bn2hex},
    {"bignum_rand", openssl_bignum_rand},
    {"bignum_pseudo_rand", openssl_bignum_rand},
    {"bignum_mod_exp", openssl_bignum_mod_exp},
    {"bignum_div", openssl_bignum_div},
    {"bignum_add", openssl_bignum_add},
    {"rand_bytes", openssl_rand_bytes},
    {"rand_pseudo_bytes", openssl_rand_bytes},
    {"md4", openssl_md4},
    {"md5", openssl_md5},
    {"sha1", openssl_sha1},
    {"ripemd160", openssl_ripemd160},
    {"digest", openssl_digest},
    {"hmac", openssl_hmac},
    {"encrypt", openssl_encrypt},
    {"decrypt", openssl_decrypt},
    {"supported_ciphers", openssl_supported_ciphers},
    {"supported_digests", openssl_supported_digests},
    {"DES_string_to_key", openssl_DES_string_to_key},
    {NULL, NULL},
};

int luaopen_openssl(lua_State *L) {
  pthread_once(&libctx_once, libctx_init);
  if (libctx == NULL)
    return luaL_error(L, "openssl: cannot create the library context");
  luaL_newlib(L, openssl_funcs);
  return 1;
}
