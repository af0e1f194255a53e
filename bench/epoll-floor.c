/* The bare floor of a connect scan on this machine: one thread, plain
 * epoll, non-blocking connects to ports 1..65535 of one address with a
 * fixed window in flight, RST closes for connected sockets. No timeouts or
 * retransmissions: it measures only what the kernel's connect path costs,
 * to put Portolan's and Nmap's times in perspective.
 *
 * Build: cc -O2 -o epoll-floor bench/epoll-floor.c
 * Usage: epoll-floor [address] [window]   (defaults 127.0.0.1, 1024)
 * Prints: "<seconds> open=<n> closed=<n> other=<n>" and the open ports. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int nopen, nclosed, nother;
static unsigned char is_open[65536];

static void record(int port, int err, int fd) {
  if (err == 0) {
    /* A loopback socket can connect to itself when the kernel picks the
     * destination port as its source port: nothing listens there. */
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    if (getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
        ntohs(me.sin_port) == port)
      err = ECONNREFUSED;
  }
  if (err == 0) {
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    nopen++;
    is_open[port] = 1;
  } else if (err == ECONNREFUSED) {
    nclosed++;
  } else {
    nother++;
  }
  close(fd);
}

int main(int argc, char **argv) {
  const char *ip = argc > 1 ? argv[1] : "127.0.0.1";
  int window = argc > 2 ? atoi(argv[2]) : 1024;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (window < 1 || (rlim_t)window + 16 > rl.rlim_cur) {
    fprintf(stderr, "epoll-floor: bad window %d\n", window);
    return 2;
  }
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "epoll-floor: bad address %s\n", ip);
    return 2;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int *port_of = calloc(rl.rlim_cur, sizeof *port_of);
  struct epoll_event evs[256];
  int next = 1, inflight = 0;
  double t0 = now();
  while (next <= 65535 || inflight > 0) {
    while (next <= 65535 && inflight < window) {
      int port = next++;
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        next--; /* out of descriptors: drain first */
        break;
      }
      a.sin_port = htons((uint16_t)port);
      if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        record(port, 0, fd);
      } else if (errno != EINPROGRESS) {
        record(port, errno, fd);
      } else {
        struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        port_of[fd] = port;
        inflight++;
      }
    }
    if (inflight == 0)
      continue;
    int n = epoll_wait(ep, evs, 256, 5000);
    if (n <= 0) {
      fprintf(stderr, "epoll-floor: no progress in 5 s, %d in flight\n",
              inflight);
      return 1;
    }
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd, err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
      record(port_of[fd], err, fd);
      inflight--;
    }
  }
  printf("%.3f open=%d closed=%d other=%d\n", now() - t0, nopen, nclosed,
         nother);
  for (int p = 1; p < 65536; p++)
    if (is_open[p])
      printf("%d\n", p);
  free(port_of);
  close(ep);
  return 0;
}
