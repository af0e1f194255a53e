/* net/tls: handshake, SNI, data both ways, close_notify and garbage,
 * against an in-memory OpenSSL server (no network). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/errcode.h"
#include "net/tls.h"

struct server {
  SSL_CTX *ctx;
  SSL *ssl;
  BIO *rbio, *wbio;
  EVP_PKEY *key;
  X509 *cert;
};

/* A throwaway self-signed P-256 certificate. */
static void make_cert(struct server *s, const char *cn) {
  s->key = EVP_EC_gen("P-256");
  assert_non_null(s->key);
  s->cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(s->cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(s->cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(s->cert), 3600);
  X509_set_pubkey(s->cert, s->key);
  X509_NAME *n = X509_get_subject_name(s->cert);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                             -1, -1, 0);
  X509_set_issuer_name(s->cert, n);
  assert_true(X509_sign(s->cert, s->key, EVP_sha256()) > 0);
}

static void server_init(struct server *s) {
  memset(s, 0, sizeof *s);
  make_cert(s, "tls.test");
  s->ctx = SSL_CTX_new(TLS_server_method());
  assert_int_equal(SSL_CTX_use_certificate(s->ctx, s->cert), 1);
  assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, s->key), 1);
  s->ssl = SSL_new(s->ctx);
  s->rbio = BIO_new(BIO_s_mem());
  s->wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(s->rbio, -1);
  SSL_set_bio(s->ssl, s->rbio, s->wbio);
  SSL_set_accept_state(s->ssl);
}

static void server_free(struct server *s) {
  SSL_free(s->ssl);
  SSL_CTX_free(s->ctx);
  X509_free(s->cert);
  EVP_PKEY_free(s->key);
}

/* Moves the client's pending ciphertext to the server and back. */
static void pump(struct tls *c, struct server *s) {
  char *buf;
  size_t len;
  tls_take_output(c, &buf, &len);
  if (buf != NULL) {
    BIO_write(s->rbio, buf, (int)len);
    free(buf);
  }
  if (!SSL_is_init_finished(s->ssl))
    SSL_do_handshake(s->ssl);
  char tmp[16384];
  int n;
  while ((n = BIO_read(s->wbio, tmp, sizeof tmp)) > 0)
    assert_int_equal(tls_feed(c, tmp, (size_t)n), 0);
}

static void handshake(struct tls *c, struct server *s) {
  int r = TLS_WANT_READ;
  for (int i = 0; i < 20 && r == TLS_WANT_READ; i++) {
    r = tls_handshake(c);
    pump(c, s);
  }
  assert_int_equal(r, 0);
  assert_true(tls_handshake_done(c));
}

static void test_roundtrip(void **state) {
  (void)state;
  struct server s;
  struct tls *c;
  server_init(&s);
  assert_int_equal(tls_new(&c, "sni.example.test"), 0);
  handshake(c, &s);
  assert_string_equal(SSL_get_servername(s.ssl, TLSEXT_NAMETYPE_host_name),
                      "sni.example.test");

  X509 *peer = tls_peer_cert(c);
  assert_non_null(peer);
  assert_int_equal(X509_cmp(peer, s.cert), 0);
  X509_free(peer);

  /* Client to server. */
  assert_int_equal(tls_write(c, "hello", 5), 0);
  pump(c, &s);
  char buf[64];
  assert_int_equal(SSL_read(s.ssl, buf, sizeof buf), 5);
  assert_memory_equal(buf, "hello", 5);

  /* Nothing buffered yet: WANT_READ. */
  size_t n = 99;
  assert_int_equal(tls_read(c, buf, sizeof buf, &n), TLS_WANT_READ);
  assert_int_equal(n, 0);

  /* Server to client, then close_notify. */
  assert_int_equal(SSL_write(s.ssl, "world", 5), 5);
  pump(c, &s);
  assert_int_equal(tls_read(c, buf, sizeof buf, &n), 0);
  assert_int_equal(n, 5);
  assert_memory_equal(buf, "world", 5);
  SSL_shutdown(s.ssl);
  pump(c, &s);
  assert_int_equal(tls_read(c, buf, sizeof buf, &n), TLS_CLOSED);

  tls_free(c);
  server_free(&s);
}

static void test_ip_literal_no_sni(void **state) {
  (void)state;
  struct server s;
  struct tls *c;
  server_init(&s);
  assert_int_equal(tls_new(&c, "127.0.0.1"), 0);
  handshake(c, &s);
  assert_null(SSL_get_servername(s.ssl, TLSEXT_NAMETYPE_host_name));
  tls_free(c);
  server_free(&s);
}

static void test_garbage(void **state) {
  (void)state;
  struct tls *c;
  char *buf;
  size_t len;
  assert_int_equal(tls_new(&c, NULL), 0);
  assert_int_equal(tls_handshake(c), TLS_WANT_READ);
  tls_take_output(c, &buf, &len);
  assert_non_null(buf); /* the ClientHello */
  assert_true(len > 0);
  free(buf);
  const char junk[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
  assert_int_equal(tls_feed(c, junk, sizeof junk - 1), 0);
  assert_int_equal(tls_handshake(c), PT_ETLS);
  assert_true(strlen(tls_last_error(c)) > 0);
  assert_false(tls_handshake_done(c));
  tls_free(c);
  tls_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_ip_literal_no_sni),
      cmocka_unit_test(test_garbage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
