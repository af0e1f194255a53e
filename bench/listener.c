/* A listener fast enough not to be the bottleneck of a connect-scan
 * benchmark: listens on the given TCP ports (on ADDR, default 0.0.0.0) with
 * the largest backlog allowed, accepts and closes every connection in one
 * epoll loop, and exits after LIFETIME seconds. A scripting-language
 * listener accepts too slowly: its accept queue overflows, SYNs are
 * dropped, and both scanners then measure their retransmission timers.
 *
 * Build: cc -O2 -o listener bench/listener.c
 * Usage: listener LIFETIME_S [ADDR] PORT...
 * Prints "ready" once every port listens. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: listener LIFETIME_S [ADDR] PORT...\n");
    return 2;
  }
  int lifetime = atoi(argv[1]);
  int first = 2;
  struct in_addr addr = {htonl(INADDR_ANY)};
  if (strchr(argv[2], '.') != NULL) {
    if (inet_pton(AF_INET, argv[2], &addr) != 1) {
      fprintf(stderr, "listener: bad address %s\n", argv[2]);
      return 2;
    }
    first = 3;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int i = first; i < argc; i++) {
    int port = atoi(argv[i]);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr = addr};
    if (port < 1 || port > 65535 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(fd, 65535) != 0) {
      fprintf(stderr, "listener: cannot listen on port %s\n", argv[i]);
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  printf("ready\n");
  fflush(stdout);
  time_t end = time(NULL) + lifetime;
  struct epoll_event evs[64];
  while (time(NULL) < end) {
    int n = epoll_wait(ep, evs, 64, 1000);
    for (int i = 0; i < n; i++) {
      int c;
      while ((c = accept4(evs[i].data.fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
        close(c);
    }
  }
  return 0;
}
