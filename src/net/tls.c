/* Client TLS over memory BIOs (see tls.h).
 *
 * Invariants: t->ssl owns both BIOs (SSL_set_bio); the read BIO holds
 * ciphertext fed by the caller and not yet consumed, the write BIO holds
 * ciphertext produced and not yet taken. One SSL_CTX is shared by every
 * session of the process and created on first use; it is never freed
 * (OpenSSL's own atexit handler releases it). */
#include "net/tls.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/errcode.h"
#include "core/xalloc.h"

struct tls {
  SSL *ssl;
  BIO *rbio, *wbio;
  int done;
  char err[160];
};

static SSL_CTX *shared_ctx;

static SSL_CTX *ctx_get(void) {
  if (shared_ctx == NULL) {
    shared_ctx = SSL_CTX_new(TLS_client_method());
    if (shared_ctx == NULL)
      return NULL;
    /* Scanners must reach old servers too: accept every protocol version
     * and cipher OpenSSL still has, as Nmap does. */
    SSL_CTX_set_min_proto_version(shared_ctx, 0);
    SSL_CTX_set_cipher_list(shared_ctx, "ALL:@SECLEVEL=0");
    SSL_CTX_set_verify(shared_ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_options(shared_ctx, SSL_OP_LEGACY_SERVER_CONNECT);
  }
  return shared_ctx;
}

/* Records OpenSSL's queued error text on t and empties the queue, so that
 * one session's failure never shows up in another's. */
static void note_error(struct tls *t, const char *what) {
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[120];
    ERR_error_string_n(e, buf, sizeof buf);
    snprintf(t->err, sizeof t->err, "%s: %s", what, buf);
  } else {
    snprintf(t->err, sizeof t->err, "%s", what);
  }
  ERR_clear_error();
}

static int is_ip_literal(const char *s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int tls_new(struct tls **out, const char *sni) {
  SSL_CTX *ctx = ctx_get();
  *out = NULL;
  if (ctx == NULL)
    return PT_ETLS;
  struct tls *t = xcalloc(1, sizeof *t);
  t->ssl = SSL_new(ctx);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
    BIO_free(t->rbio);
    BIO_free(t->wbio);
    SSL_free(t->ssl);
    free(t);
    ERR_clear_error();
    return PT_ETLS;
  }
  /* An empty read BIO must report "retry", not EOF, until fed. */
  BIO_set_mem_eof_return(t->rbio, -1);
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  SSL_set_connect_state(t->ssl);
  if (sni != NULL && sni[0] != '\0' && !is_ip_literal(sni))
    SSL_set_tlsext_host_name(t->ssl, sni);
  *out = t;
  return 0;
}

void tls_free(struct tls *t) {
  if (t == NULL)
    return;
  SSL_free(t->ssl); /* frees both BIOs */
  free(t);
}

int tls_feed(struct tls *t, const void *data, size_t len) {
  while (len > 0) {
    int chunk = len > 65536 ? 65536 : (int)len;
    int n = BIO_write(t->rbio, data, chunk);
    if (n <= 0) {
      note_error(t, "BIO_write");
      return PT_ETLS;
    }
    data = (const char *)data + n;
    len -= (size_t)n;
  }
  return 0;
}

int tls_handshake(struct tls *t) {
  if (t->done)
    return 0;
  int r = SSL_do_handshake(t->ssl);
  if (r == 1) {
    t->done = 1;
    return 0;
  }
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return TLS_WANT_READ;
  note_error(t, "handshake");
  return PT_ETLS;
}

int tls_handshake_done(const struct tls *t) {
  return t->done;
}

int tls_write(struct tls *t, const void *data, size_t len) {
  while (len > 0) {
    size_t n = 0;
    int r = SSL_write_ex(t->ssl, data, len, &n);
    if (r != 1) {
      note_error(t, "write");
      return PT_ETLS;
    }
    data = (const char *)data + n;
    len -= n;
  }
  return 0;
}

int tls_read(struct tls *t, void *buf, size_t cap, size_t *n) {
  *n = 0;
  int r = SSL_read_ex(t->ssl, buf, cap, n);
  if (r == 1)
    return 0;
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
    return TLS_WANT_READ;
  if (e == SSL_ERROR_ZERO_RETURN)
    return TLS_CLOSED;
  note_error(t, "read");
  return PT_ETLS;
}

void tls_take_output(struct tls *t, char **buf, size_t *len) {
  size_t pending = BIO_ctrl_pending(t->wbio);
  *buf = NULL;
  *len = 0;
  if (pending == 0)
    return;
  *buf = xmalloc(pending);
  int n = BIO_read(t->wbio, *buf, (int)pending);
  *len = n > 0 ? (size_t)n : 0;
}

X509 *tls_peer_cert(const struct tls *t) {
  return SSL_get1_peer_certificate(t->ssl);
}

const char *tls_last_error(const struct tls *t) {
  return t->err;
}
