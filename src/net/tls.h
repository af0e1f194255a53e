/* Client-side TLS as a pure byte transformer: OpenSSL with memory BIOs, no
 * I/O of its own. The caller moves bytes between its transport (a libuv
 * stream, for the NSE sockets) and this object:
 *   - ciphertext that arrived goes in with tls_feed;
 *   - ciphertext to send comes out of tls_take_output after every call that
 *     may produce some (handshake, write, read);
 *   - plaintext goes in with tls_write and out with tls_read.
 * Certificates are never verified: a scanner wants to talk to any server
 * and report what it presents.
 *
 * Errors: negative codes (PT_ETLS, PT_ENOTFOUND...); the OpenSSL detail
 * text is kept on the object (tls_last_error), never in a global. */
#ifndef PORTOLAN_NET_TLS_H
#define PORTOLAN_NET_TLS_H

#include <stddef.h>

#include <openssl/x509.h>

struct tls;

/* Outcomes of tls_handshake and tls_read besides 0 and errors. */
enum {
  TLS_WANT_READ = 1, /* needs more ciphertext: feed, then call again */
  TLS_CLOSED = 2     /* the peer sent close_notify */
};

/* Creates a client session. sni: the server name to send, or NULL (an IP
 * address literal is never sent as SNI, as RFC 6066 requires). */
int tls_new(struct tls **out, const char *sni);
void tls_free(struct tls *t);

/* Hands ciphertext received from the peer to the session. */
int tls_feed(struct tls *t, const void *data, size_t len);

/* Advances the handshake: 0 when complete, TLS_WANT_READ, or PT_ETLS. */
int tls_handshake(struct tls *t);
int tls_handshake_done(const struct tls *t);

/* Encrypts len bytes of plaintext (all of it, or PT_ETLS). */
int tls_write(struct tls *t, const void *data, size_t len);

/* Decrypts into buf: 0 with *n > 0 bytes, TLS_WANT_READ, TLS_CLOSED or
 * PT_ETLS. */
int tls_read(struct tls *t, void *buf, size_t cap, size_t *n);

/* Moves all pending ciphertext into a malloc'd buffer (*buf, *len); *buf is
 * NULL and *len 0 when there is none. The caller frees *buf. */
void tls_take_output(struct tls *t, char **buf, size_t *len);

/* The peer's certificate with a new reference (X509_free it), or NULL. */
X509 *tls_peer_cert(const struct tls *t);

/* Text of the last failure on t ("" when none). */
const char *tls_last_error(const struct tls *t);

#endif
