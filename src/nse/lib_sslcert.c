/* Certificate objects (NSE-NOTES §7.7): sock:get_ssl_certificate() and
 * nmap.socket.parse_ssl_certificate(der).
 *
 * The userdata (type name "SSL_CERT", as Nmap's) holds the X509 and, as its
 * user value, an attribute table built once at creation: subject, issuer,
 * sig_algorithm, validity, pem, extensions, pubkey. Indexing looks in that
 * table first, then in the methods (digest). The X509 is freed by __gc. */
#include <lauxlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "nse/bignum.h"
#include "nse/lib_socket.h"

#define CERT_MT "SSL_CERT"

struct cert_box {
  X509 *x;
};

/* [-0, +1, m] Pushes the text OpenSSL wrote to a memory BIO. */
static void push_bio(lua_State *L, BIO *b) {
  char *p = NULL;
  long n = BIO_get_mem_data(b, &p);
  lua_pushlstring(L, p != NULL ? p : "", n > 0 ? (size_t)n : 0);
}

/* Key of a name entry: the long name, or for an OID OpenSSL cannot name an
 * array of its numeric components as strings. */
static void push_oid_key(lua_State *L, const ASN1_OBJECT *obj) {
  int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) {
    lua_pushstring(L, OBJ_nid2ln(nid));
    return;
  }
  char buf[256];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  lua_newtable(L);
  int i = 1;
  for (char *p = buf, *dot; *p != '\0'; p = dot + 1) {
    dot = strchr(p, '.');
    size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
    lua_pushlstring(L, p, n);
    lua_rawseti(L, -2, i++);
    if (dot == NULL)
      break;
  }
}

static void push_name(lua_State *L, const X509_NAME *name) {
  lua_newtable(L);
  if (name == NULL)
    return;
  for (int i = 0; i < X509_NAME_entry_count(name); i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
    push_oid_key(L, X509_NAME_ENTRY_get_object(e));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n >= 0) {
      lua_pushlstring(L, (const char *)utf8, (size_t)n);
      OPENSSL_free(utf8);
    } else {
      const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
      lua_pushlstring(L, (const char *)ASN1_STRING_get0_data(d),
                      (size_t)ASN1_STRING_length(d));
    }
    lua_settable(L, -3);
  }
}

static void push_time(lua_State *L, const ASN1_TIME *t) {
  struct tm tm;
  if (t == NULL) {
    lua_pushnil(L);
    return;
  }
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    lua_pushlstring(L, (const char *)ASN1_STRING_get0_data(t),
                    (size_t)ASN1_STRING_length(t));
    return;
  }
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, tm.tm_year + 1900);
  lua_setfield(L, -2, "year");
  lua_pushinteger(L, tm.tm_mon + 1);
  lua_setfield(L, -2, "month");
  lua_pushinteger(L, tm.tm_mday);
  lua_setfield(L, -2, "day");
  lua_pushinteger(L, tm.tm_hour);
  lua_setfield(L, -2, "hour");
  lua_pushinteger(L, tm.tm_min);
  lua_setfield(L, -2, "min");
  lua_pushinteger(L, tm.tm_sec);
  lua_setfield(L, -2, "sec");
}

static void push_extensions(lua_State *L, X509 *x) {
  int n = X509_get_ext_count(x);
  if (n <= 0) {
    lua_pushnil(L);
    return;
  }
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    X509_EXTENSION *ext = X509_get_ext(x, i);
    char name[256];
    lua_newtable(L);
    OBJ_obj2txt(name, sizeof name, X509_EXTENSION_get_object(ext), 0);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    if (X509_EXTENSION_get_critical(ext)) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "critical");
    }
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL && X509V3_EXT_print(b, ext, 0, 0) == 1) {
      push_bio(L, b);
      lua_setfield(L, -2, "value");
    } else {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "error");
    }
    BIO_free(b);
    lua_rawseti(L, -2, i + 1);
  }
}

static void push_bn_param(lua_State *L, const EVP_PKEY *pk, const char *name,
                          const char *field) {
  BIGNUM *bn = NULL;
  if (EVP_PKEY_get_bn_param(pk, name, &bn) == 1 && bn != NULL) {
    nse_push_bignum(L, bn);
    lua_setfield(L, -2, field);
  }
}

static void push_pubkey(lua_State *L, X509 *x) {
  EVP_PKEY *pk = X509_get0_pubkey(x);
  lua_newtable(L);
  if (pk == NULL) {
    lua_pushliteral(L, "unknown");
    lua_setfield(L, -2, "type");
    return;
  }
  const char *type = "unknown";
  switch (EVP_PKEY_get_base_id(pk)) {
  case EVP_PKEY_RSA:
    type = "rsa";
    break;
  case EVP_PKEY_DSA:
    type = "dsa";
    break;
  case EVP_PKEY_DH:
    type = "dh";
    break;
  case EVP_PKEY_EC:
    type = "ec";
    break;
  }
  lua_pushstring(L, type);
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, EVP_PKEY_get_bits(pk));
  lua_setfield(L, -2, "bits");
  if (strcmp(type, "rsa") == 0) {
    push_bn_param(L, pk, OSSL_PKEY_PARAM_RSA_N, "modulus");
    push_bn_param(L, pk, OSSL_PKEY_PARAM_RSA_E, "exponent");
  } else if (strcmp(type, "ec") == 0) {
    char curve[80];
    size_t len = 0;
    lua_newtable(L); /* ecdhparams */
    lua_newtable(L); /* curve_params */
    if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve,
                                       sizeof curve, &len) == 1) {
      lua_pushliteral(L, "namedcurve");
      lua_setfield(L, -2, "ec_curve_type");
      lua_pushstring(L, curve);
      lua_setfield(L, -2, "curve");
    } else {
      lua_pushliteral(L, "explicit_prime");
      lua_setfield(L, -2, "ec_curve_type");
    }
    lua_setfield(L, -2, "curve_params");
    lua_setfield(L, -2, "ecdhparams");
  }
}

/* [-0, +1, m] The attribute table of x. */
static void push_attrs(lua_State *L, X509 *x) {
  lua_newtable(L);
  push_name(L, X509_get_subject_name(x));
  lua_setfield(L, -2, "subject");
  push_name(L, X509_get_issuer_name(x));
  lua_setfield(L, -2, "issuer");
  int nid = X509_get_signature_nid(x);
  if (nid != NID_undef) {
    lua_pushstring(L, OBJ_nid2ln(nid));
    lua_setfield(L, -2, "sig_algorithm");
  }
  lua_newtable(L);
  push_time(L, X509_get0_notBefore(x));
  lua_setfield(L, -2, "notBefore");
  push_time(L, X509_get0_notAfter(x));
  lua_setfield(L, -2, "notAfter");
  lua_setfield(L, -2, "validity");
  BIO *b = BIO_new(BIO_s_mem());
  if (b != NULL && PEM_write_bio_X509(b, x) == 1) {
    push_bio(L, b);
    lua_setfield(L, -2, "pem");
  }
  BIO_free(b);
  push_extensions(L, x);
  lua_setfield(L, -2, "extensions");
  push_pubkey(L, x);
  lua_setfield(L, -2, "pubkey");
}

/* cert:digest(alg): raw digest bytes, or nil for an unknown algorithm. */
static int cert_digest(lua_State *L) {
  struct cert_box *c = luaL_checkudata(L, 1, CERT_MT);
  const char *alg = luaL_checkstring(L, 2);
  const EVP_MD *md = EVP_get_digestbyname(alg);
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (md == NULL || c->x == NULL || X509_digest(c->x, md, buf, &n) != 1) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlstring(L, (const char *)buf, n);
  return 1;
}

/* __index: the attribute table, then the methods (upvalue 1). */
static int cert_index(lua_State *L) {
  luaL_checkudata(L, 1, CERT_MT);
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  if (lua_gettable(L, -2) != LUA_TNIL)
    return 1;
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));
  return 1;
}

static int cert_gc(lua_State *L) {
  struct cert_box *c = luaL_checkudata(L, 1, CERT_MT);
  X509_free(c->x);
  c->x = NULL;
  return 0;
}

void nse_push_cert(lua_State *L, X509 *x) {
  struct cert_box *c = lua_newuserdatauv(L, sizeof *c, 1);
  c->x = NULL;
  if (luaL_newmetatable(L, CERT_MT)) {
    lua_newtable(L);
    lua_pushcfunction(L, cert_digest);
    lua_setfield(L, -2, "digest");
    lua_pushcclosure(L, cert_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, cert_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  c->x = x; /* owned from here: __gc frees it even if push_attrs raises */
  push_attrs(L, x);
  lua_setiuservalue(L, -2, 1);
}

int nse_parse_ssl_certificate(lua_State *L) {
  size_t len;
  const unsigned char *der =
      (const unsigned char *)luaL_checklstring(L, 1, &len);
  X509 *x = d2i_X509(NULL, &der, (long)len);
  if (x == NULL) {
    lua_pushnil(L);
    return 1;
  }
  nse_push_cert(L, x);
  return 1;
}
