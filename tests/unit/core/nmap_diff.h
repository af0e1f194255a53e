/* Shared by the differential tests against Nmap (test_*_nmap.c): run
 * /usr/bin/nmap inside a new, empty network namespace (`unshare --net`,
 * only a down loopback) and read what it prints, so its name lookups and
 * any packet it might send cannot leave the test. Header-only: each
 * test_*.c is its own executable. */
#ifndef PORTOLAN_TESTS_CORE_NMAP_DIFF_H
#define PORTOLAN_TESTS_CORE_NMAP_DIFF_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define NMAP "/usr/bin/nmap"
#define UNSHARE "/usr/bin/unshare"
#define MAXOUT (1 << 20)

/* Whether nmap is installed and a network namespace can be made. */
static inline int nmap_diff_available(void) {
  return access(NMAP, X_OK) == 0 && access(UNSHARE, X_OK) == 0 &&
         system(UNSHARE " --net true") == 0;
}

/* Runs UNSHARE with argv ("unshare", "--net", NMAP, ...) and returns its
 * stdout, at most MAXOUT - 1 bytes (malloc'd); stderr is discarded. */
static inline char *nmap_diff_run(char *const argv[]) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    close(fds[0]);
    execv(UNSHARE, argv);
    _exit(127);
  }
  close(fds[1]);
  char *buf = malloc(MAXOUT);
  size_t len = 0;
  ssize_t n;
  while (len < MAXOUT - 1 &&
         (n = read(fds[0], buf + len, MAXOUT - 1 - len)) > 0)
    len += (size_t)n;
  buf[len] = '\0';
  close(fds[0]);
  int st;
  waitpid(pid, &st, 0);
  return buf;
}

#endif
