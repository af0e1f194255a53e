/* Certificate objects (NSE-NOTES §7.7) through
 * nmap.socket.parse_ssl_certificate, on throwaway RSA and EC certificates
 * made here; the checks run as Lua code in a bare state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "nse/lib_socket.h"

static void add_ext(X509 *x, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  assert_non_null(e);
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

/* DER of a self-signed certificate for key, malloc'd into *der. */
static int make_der(EVP_PKEY *key, int with_ext, unsigned char **der) {
  X509 *x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  ASN1_TIME_set_string(X509_getm_notBefore(x), "20240102030405Z");
  ASN1_TIME_set_string(X509_getm_notAfter(x), "20340102030405Z");
  X509_set_pubkey(x, key);
  X509_NAME *n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                             (const unsigned char *)"cert.test", -1, -1, 0);
  X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
                             (const unsigned char *)"Portolan", -1, -1, 0);
  /* An OID OpenSSL has no name for. */
  X509_NAME_add_entry_by_txt(n, "1.3.6.1.4.1.99999.1", MBSTRING_UTF8,
                             (const unsigned char *)"odd", -1, -1, 0);
  X509_set_issuer_name(x, n);
  if (with_ext) {
    add_ext(x, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, NID_subject_alt_name, "DNS:cert.test,DNS:alt.test");
  }
  assert_true(X509_sign(x, key, EVP_sha256()) > 0);
  *der = NULL;
  int len = i2d_X509(x, der);
  X509_free(x);
  assert_true(len > 0);
  return len;
}

static lua_State *state_with(const unsigned char *der, int len) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  lua_pushcfunction(L, nse_parse_ssl_certificate);
  lua_setglobal(L, "parse");
  lua_pushlstring(L, (const char *)der, (size_t)len);
  lua_setglobal(L, "der");
  return L;
}

static void run(lua_State *L, const char *code) {
  if (luaL_dostring(L, code) != LUA_OK)
    fail_msg("%s", lua_tostring(L, -1));
}

static void test_rsa(void **state) {
  (void)state;
  EVP_PKEY *key = EVP_RSA_gen(2048);
  assert_non_null(key);
  unsigned char *der;
  int len = make_der(key, 1, &der);
  lua_State *L = state_with(der, len);
  run(L, "local c = assert(parse(der))\n"
         "assert(c.subject.commonName == 'cert.test', 'cn')\n"
         "assert(c.subject.organizationName == 'Portolan', 'o')\n"
         "assert(c.issuer.commonName == 'cert.test', 'issuer')\n"
         "local odd\n"
         "for k, v in pairs(c.subject) do\n"
         "  if type(k) == 'table' then odd = table.concat(k, '.') .. '=' .. v "
         "end\n"
         "end\n"
         "assert(odd == '1.3.6.1.4.1.99999.1=odd', tostring(odd))\n"
         "assert(c.sig_algorithm == 'sha256WithRSAEncryption', "
         "c.sig_algorithm)\n"
         "local nb = c.validity.notBefore\n"
         "assert(nb.year == 2024 and nb.month == 1 and nb.day == 2, 'nb')\n"
         "assert(nb.hour == 3 and nb.min == 4 and nb.sec == 5, 'nb time')\n"
         "assert(c.validity.notAfter.year == 2034, 'na')\n"
         "assert(c.pem:find('^%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\\n'))\n"
         "assert(c.pubkey.type == 'rsa' and c.pubkey.bits == 2048, 'pk')\n"
         "assert(math.type(c.pubkey.bits) == 'integer')\n"
         "assert(tostring(c.pubkey.exponent) == '010001', "
         "tostring(c.pubkey.exponent))\n"
         "assert(c.pubkey.exponent:todec() == '65537')\n"
         "assert(c.pubkey.modulus:num_bits() == 2048)\n"
         "assert(#c.pubkey.modulus:tobin() == 256)\n"
         "assert(c.pubkey.exponent:is_prime())\n"
         "assert(#c:digest('sha1') == 20 and #c:digest('md5') == 16)\n"
         "assert(c:digest('no-such-digest') == nil)\n"
         "local names = {}\n"
         "for _, e in ipairs(c.extensions) do names[e.name] = e end\n"
         "local bc = names['X509v3 Basic Constraints']\n"
         "assert(bc and bc.critical == true and bc.value == 'CA:FALSE')\n"
         "local san = names['X509v3 Subject Alternative Name']\n"
         "assert(san.value == 'DNS:cert.test, DNS:alt.test', san.value)\n"
         "assert(san.critical == nil)\n"
         "assert(parse('not a certificate') == nil)\n"
         "assert(select('#', parse('')) == 1)\n"
         "assert(not pcall(parse))\n");
  lua_close(L);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
}

static void test_ec_no_extensions(void **state) {
  (void)state;
  EVP_PKEY *key = EVP_EC_gen("P-256");
  assert_non_null(key);
  unsigned char *der;
  int len = make_der(key, 0, &der);
  lua_State *L = state_with(der, len);
  run(L, "local c = assert(parse(der))\n"
         "assert(c.pubkey.type == 'ec' and c.pubkey.bits == 256)\n"
         "local cp = c.pubkey.ecdhparams.curve_params\n"
         "assert(cp.ec_curve_type == 'namedcurve', cp.ec_curve_type)\n"
         "assert(cp.curve == 'prime256v1', cp.curve)\n"
         "assert(c.pubkey.modulus == nil)\n"
         "assert(c.extensions == nil)\n"
         "assert(c.sig_algorithm == 'ecdsa-with-SHA256', c.sig_algorithm)\n"
         "collectgarbage() collectgarbage()\n");
  lua_close(L);
  OPENSSL_free(der);
  EVP_PKEY_free(key);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rsa),
      cmocka_unit_test(test_ec_no_extensions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
