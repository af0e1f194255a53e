/* --script-trace lines (NSE-NOTES §10.1) for the socket code: what to
 * print for a socket action or for data sent and received. Internal to
 * src/nse; lib_socket.c calls these when nse_trace_on() is true. */
#ifndef PORTOLAN_NSE_TRACE_H
#define PORTOLAN_NSE_TRACE_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/options.h"

/* True with --script-trace or --packet-trace. */
int nse_trace_on(const struct scan_opts *o);

/* Writes "<PROTO> <local> <dir> <remote>" into buf, e.g.
 * "TCP 127.0.0.1:58274 > 127.0.0.1:18083"; NULL addresses print as
 * 0.0.0.0:0. dir is '>' (outgoing data and actions) or '<' (received). */
void nse_trace_head(char *buf, size_t len, const char *proto,
                    const struct sockaddr *local, char dir,
                    const struct sockaddr *remote);

/* "NSE: <head> | <what>" on stdout: CONNECT, SEND, CLOSE, SSL RECONNECT. */
void nse_trace_action(const char *head, const char *what);
/* "NSE: <head> | <data as nse_trace_render>" on stdout. */
void nse_trace_data(const char *head, const void *data, size_t len);

/* The data part, malloc'd: raw text when at least 95% of the bytes are
 * printable (other whitespace kept, any other byte as "  \<decimal>"),
 * otherwise a hex dump of 16 bytes a row ("%08x: ", the bytes, then the
 * graphic characters), each row ending in a newline. */
char *nse_trace_render(const void *data, size_t len);

#endif
