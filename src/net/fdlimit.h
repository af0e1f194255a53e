/* The process's file-descriptor budget. Scanners open one socket per probe
 * in flight, so they raise the soft RLIMIT_NOFILE to the hard limit once at
 * start and keep the sockets they hold in flight below a share of it,
 * leaving room for the script engine, output files and libuv itself. */
#ifndef PORTOLAN_NET_FDLIMIT_H
#define PORTOLAN_NET_FDLIMIT_H

/* Raises the soft limit to the hard limit (once per process; later calls
 * return the cached value). Returns the soft limit now in force. */
long fdlimit_raise(void);

/* Sockets a scanner may hold in flight: three quarters of the limit minus a
 * reserve, at least 8. */
long fdlimit_socket_budget(void);

#endif
