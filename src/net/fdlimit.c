/* File-descriptor budget; see fdlimit.h. The limit is raised once: a
 * process-wide setting, read-only afterwards. */
#include "net/fdlimit.h"

#include <pthread.h>
#include <sys/resource.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static long soft_limit = 1024;

static void raise_once(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit want = {rl.rlim_max, rl.rlim_max};
    /* An unlimited hard limit cannot be the soft one on Linux (nr_open
     * caps it): fall back to a large finite value. */
    if (want.rlim_cur == RLIM_INFINITY)
      want.rlim_cur = 1 << 20;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl.rlim_cur = want.rlim_cur;
  }
  soft_limit = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
}

long fdlimit_raise(void) {
  pthread_once(&once, raise_once);
  return soft_limit;
}

long fdlimit_socket_budget(void) {
  long lim = fdlimit_raise();
  long budget = lim * 3 / 4;
  if (budget > lim - 128)
    budget = lim - 128;
  return budget < 8 ? 8 : budget;
}
