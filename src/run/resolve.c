/* Name lookups through src/net/dns (c-ares on the loop), see resolve.h. */
#include "run/resolve.h"

#include <stdlib.h>

#include "core/errcode.h"
#include "core/xalloc.h"
#include "net/dns.h"

struct resolver {
  struct dns *dns;
};

struct fwd_req {
  resolve_fwd_fn cb;
  void *ud;
};

struct rev_req {
  resolve_rev_fn cb;
  void *ud;
};

int resolver_new(uv_loop_t *loop, const char *servers, struct resolver **out) {
  struct dns *d = NULL;
  int rc = dns_new(loop, servers, &d);
  if (rc != 0)
    return rc;
  struct resolver *r = xcalloc(1, sizeof *r);
  r->dns = d;
  *out = r;
  return 0;
}

static void fwd_done(int status, const struct sockaddr_storage *addrs,
                     size_t naddrs, void *ud) {
  struct fwd_req *fr = ud;
  if (status == 0 && naddrs > 0)
    fr->cb(0, addrs, naddrs, fr->ud);
  else
    fr->cb(status != 0 ? status : PT_ENOTFOUND, NULL, 0, fr->ud);
  free(fr);
}

void resolver_forward(struct resolver *r, const char *name, int family,
                      resolve_fwd_fn cb, void *ud) {
  struct fwd_req *fr = xcalloc(1, sizeof *fr);
  fr->cb = cb;
  fr->ud = ud;
  int rc = dns_resolve(r->dns, name, family, fwd_done, fr);
  if (rc != 0) {
    free(fr);
    cb(rc, NULL, 0, ud);
  }
}

static void rev_done(int status, const char *name, void *ud) {
  struct rev_req *rr = ud;
  rr->cb(status, status == 0 ? name : NULL, rr->ud);
  free(rr);
}

void resolver_reverse(struct resolver *r, const struct sockaddr *sa,
                      resolve_rev_fn cb, void *ud) {
  struct rev_req *rr = xcalloc(1, sizeof *rr);
  rr->cb = cb;
  rr->ud = ud;
  int rc = dns_reverse(r->dns, sa, rev_done, rr);
  if (rc != 0) {
    free(rr);
    cb(rc, NULL, ud);
  }
}

void resolver_free(struct resolver *r) {
  if (r == NULL)
    return;
  /* Pending callbacks run now with UV_ECANCELED. */
  dns_close(r->dns);
  free(r);
}
