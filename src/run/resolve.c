/* Name lookups on libuv's thread pool (see resolve.h). Each request holds
 * a reference on the resolver so that freeing it with lookups in flight is
 * safe: the memory goes with the last callback. */
#include "run/resolve.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct resolver {
  uv_loop_t *loop;
  size_t refs; /* 1 for the owner + 1 per pending lookup */
};

struct fwd_req {
  uv_getaddrinfo_t req;
  struct resolver *r;
  resolve_fwd_fn cb;
  void *ud;
};

struct rev_req {
  uv_getnameinfo_t req;
  struct resolver *r;
  resolve_rev_fn cb;
  void *ud;
};

struct resolver *resolver_new(uv_loop_t *loop, const char *servers) {
  (void)servers; /* the system resolver has its own configuration */
  struct resolver *r = xcalloc(1, sizeof *r);
  r->loop = loop;
  r->refs = 1;
  return r;
}

static void unref(struct resolver *r) {
  if (--r->refs == 0)
    free(r);
}

static void fwd_done(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  struct fwd_req *fr = (struct fwd_req *)req;
  if (status == 0 && res != NULL)
    fr->cb(0, res->ai_addr, res->ai_addrlen, fr->ud);
  else
    fr->cb(status != 0 ? status : UV_EAI_NONAME, NULL, 0, fr->ud);
  uv_freeaddrinfo(res);
  unref(fr->r);
  free(fr);
}

void resolver_forward(struct resolver *r, const char *name, int family,
                      resolve_fwd_fn cb, void *ud) {
  struct fwd_req *fr = xcalloc(1, sizeof *fr);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  fr->r = r;
  fr->cb = cb;
  fr->ud = ud;
  r->refs++;
  int rc = uv_getaddrinfo(r->loop, &fr->req, fwd_done, name, NULL, &hints);
  if (rc != 0) {
    fr->cb(rc, NULL, 0, fr->ud);
    unref(r);
    free(fr);
  }
}

static void rev_done(uv_getnameinfo_t *req, int status, const char *host,
                     const char *service) {
  (void)service;
  struct rev_req *rr = (struct rev_req *)req;
  rr->cb(status, status == 0 ? host : NULL, rr->ud);
  unref(rr->r);
  free(rr);
}

void resolver_reverse(struct resolver *r, const struct sockaddr *sa,
                      resolve_rev_fn cb, void *ud) {
  struct rev_req *rr = xcalloc(1, sizeof *rr);
  rr->r = r;
  rr->cb = cb;
  rr->ud = ud;
  r->refs++;
  int rc = uv_getnameinfo(r->loop, &rr->req, rev_done, sa, NI_NAMEREQD);
  if (rc != 0) {
    rr->cb(rc, NULL, rr->ud);
    unref(r);
    free(rr);
  }
}

void resolver_free(struct resolver *r) {
  if (r != NULL)
    unref(r);
}
