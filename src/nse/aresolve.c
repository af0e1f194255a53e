/* Asynchronous name resolution for script calls (see aresolve.h).
 *
 * Invariants: q->t is held from start until aresolve_take or the close
 * handler; exactly one of the callback (abandoned) and aresolve_take or
 * the close handler (done) frees q. */
#include "nse/aresolve.h"

#include <stdlib.h>
#include <uv.h>

#include "core/xalloc.h"
#include "nse/sched.h"

struct aresolve {
  uv_getaddrinfo_t req;
  struct nse_thread *t;
  int status;
  struct addrinfo *res;
  int done, abandoned;
};

static void resolved(uv_getaddrinfo_t *r, int status, struct addrinfo *res) {
  struct aresolve *q = r->data;
  if (q->abandoned) {
    uv_freeaddrinfo(res);
    free(q);
    return;
  }
  q->status = status;
  q->res = res;
  q->done = 1;
  sched_wake(q->t);
}

/* The thread ended while waiting, or before its continuation ran. */
static void thread_closed(lua_State *L, void *ud) {
  struct aresolve *q = ud;
  (void)L;
  sched_thread_release(q->t);
  if (q->done) {
    uv_freeaddrinfo(q->res);
    free(q);
  } else {
    q->abandoned = 1;
    uv_cancel((uv_req_t *)&q->req);
  }
}

int aresolve_start(lua_State *L, const char *name, const char *service,
                   int family, int socktype, struct aresolve **out) {
  struct nse_thread *t = sched_current(L);
  *out = NULL;
  if (t == NULL || !lua_isyieldable(L))
    return UV_EINVAL;
  struct addrinfo hints = {0};
  hints.ai_family = family;
  hints.ai_socktype = socktype;
  hints.ai_flags = service != NULL ? AI_NUMERICSERV : 0;
  struct aresolve *q = xcalloc(1, sizeof *q);
  q->req.data = q;
  q->t = t;
  int e =
      uv_getaddrinfo(sched_loop(L), &q->req, resolved, name, service, &hints);
  if (e < 0) {
    free(q);
    return e;
  }
  sched_thread_hold(t);
  sched_on_close(t, q, thread_closed, q);
  *out = q;
  return 0;
}

int aresolve_take(struct aresolve *q, struct addrinfo **res) {
  int status = q->status;
  *res = q->res;
  sched_cancel_close(q->t, q);
  sched_thread_release(q->t);
  free(q);
  return status;
}

const char *aresolve_strerror(int status) {
  static const struct {
    int uv, gai;
  } map[] = {
      {UV_EAI_ADDRFAMILY, EAI_ADDRFAMILY}, {UV_EAI_AGAIN, EAI_AGAIN},
      {UV_EAI_BADFLAGS, EAI_BADFLAGS},     {UV_EAI_FAIL, EAI_FAIL},
      {UV_EAI_FAMILY, EAI_FAMILY},         {UV_EAI_MEMORY, EAI_MEMORY},
      {UV_EAI_NODATA, EAI_NODATA},         {UV_EAI_NONAME, EAI_NONAME},
      {UV_EAI_SERVICE, EAI_SERVICE},       {UV_EAI_SOCKTYPE, EAI_SOCKTYPE},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (map[i].uv == status)
      return gai_strerror(map[i].gai);
  return uv_strerror(status);
}
