/* The host/port model (DESIGN.md "Data flow"): one struct host per target,
 * filled by the scan stages, read and written by the script engine
 * (nmap.set_port_state, set_port_version) and rendered by the writers.
 *
 * Ownership: the pipeline (src/run) creates and frees hosts. Every string
 * field is owned by the struct that holds it. A host is touched only from
 * the main loop thread.
 *
 * Ports are kept per protocol in an array with a hash index: insertion and
 * lookup are O(1) in any order; host_ports() sorts once when asked for the
 * ordered view. A port costs 16 bytes until a service or script result is
 * attached, so 65535 closed ports stay small. */
#ifndef PORTOLAN_CORE_HOST_H
#define PORTOLAN_CORE_HOST_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/script_result.h"

enum proto { PROTO_TCP, PROTO_UDP, PROTO_SCTP, PROTO_COUNT };

/* Nmap's names, in Nmap's order. */
#define PORT_STATES(X)                                                         \
  X(PS_UNKNOWN, "unknown")                                                     \
  X(PS_OPEN, "open")                                                           \
  X(PS_CLOSED, "closed")                                                       \
  X(PS_FILTERED, "filtered")                                                   \
  X(PS_UNFILTERED, "unfiltered")                                               \
  X(PS_OPEN_FILTERED, "open|filtered")                                         \
  X(PS_CLOSED_FILTERED, "closed|filtered")

enum port_state {
#define PS_ENUM(e, s) e,
  PORT_STATES(PS_ENUM)
#undef PS_ENUM
      PS_COUNT
};

/* Reasons as Nmap spells them in --reason and XML reason="". */
#define REASONS(X)                                                             \
  X(RSN_NONE, "unknown")                                                       \
  X(RSN_SYN_ACK, "syn-ack")                                                    \
  X(RSN_CONN_REFUSED, "conn-refused")                                          \
  X(RSN_NO_RESPONSE, "no-response")                                            \
  X(RSN_RESET, "reset")                                                        \
  X(RSN_UDP_RESPONSE, "udp-response")                                          \
  X(RSN_PORT_UNREACH, "port-unreach")                                          \
  X(RSN_HOST_UNREACH, "host-unreach")                                          \
  X(RSN_NET_UNREACH, "net-unreach")                                            \
  X(RSN_PROTO_UNREACH, "proto-unreach")                                        \
  X(RSN_ADMIN_PROHIBITED, "admin-prohibited")                                  \
  X(RSN_HOST_PROHIBITED, "host-prohibited")                                    \
  X(RSN_NET_PROHIBITED, "net-prohibited")                                      \
  X(RSN_TIME_EXCEEDED, "time-exceeded")                                        \
  X(RSN_ECHO_REPLY, "echo-reply")                                              \
  X(RSN_ARP_RESPONSE, "arp-response")                                          \
  X(RSN_LOCALHOST_RESPONSE, "localhost-response")                              \
  X(RSN_USER_SET, "user-set")                                                  \
  X(RSN_SCRIPT_SET, "script-set")                                              \
  X(RSN_CONN_ACCEPTED, "conn-accepted")                                        \
  X(RSN_HOST_TIMEOUT, "host-timeout")

enum reason {
#define RSN_ENUM(e, s) e,
  REASONS(RSN_ENUM)
#undef RSN_ENUM
      RSN_COUNT
};

const char *proto_name(enum proto p);            /* "tcp", "udp", "sctp" */
int proto_parse(const char *s, enum proto *out); /* 0 or PT_EPARSE */
const char *port_state_name(enum port_state s);
int port_state_parse(const char *s, enum port_state *out);
const char *reason_name(enum reason r);
int reason_parse(const char *s, enum reason *out);

/* Service identification for one port (NSE-NOTES §2.2 port.version). */
struct service {
  char *name;             /* NULL: use the services table's name */
  double name_confidence; /* 3.0 table, 10.0 probed, 8.0 tcpwrapped */
  int probed;             /* 0: method "table", 1: method "probed" */
  char *product, *version, *extrainfo, *hostname, *ostype, *devicetype;
  char *tunnel;      /* NULL or "ssl" */
  char *fingerprint; /* service fingerprint (SF-Port...), or NULL */
  char **cpe;
  size_t ncpe;
};

/* Extra data attached lazily to a port; see port_service/port_scripts. */
struct port_extra {
  struct service svc;
  int has_service;
  struct script_results scripts;
};

struct port {
  uint16_t number;
  uint8_t proto;  /* enum proto */
  uint8_t state;  /* enum port_state */
  uint8_t reason; /* enum reason */
  uint8_t reason_ttl;
  struct port_extra *x; /* NULL until needed */
};

enum host_status { HOST_UNKNOWN, HOST_UP, HOST_DOWN };

struct port_table; /* private to host.c */

struct host {
  struct sockaddr_storage addr; /* port field is 0 */
  socklen_t addrlen;
  int family;                /* AF_INET or AF_INET6 */
  char ip[INET6_ADDRSTRLEN]; /* numeric text of addr */
  char *targetname;          /* name as given on the command line, or NULL */
  char *name;                /* reverse-DNS name, or NULL */
  char **other_addrs;        /* "Other addresses for <name> (not scanned)" */
  size_t nother_addrs;

  enum host_status status;
  enum reason reason;
  int reason_ttl;

  /* Timing in microseconds; NSE shows them in seconds (host.times). */
  int64_t srtt_us, rttvar_us, timeout_us;

  double start_time, end_time; /* epoch seconds (float) */
  int timed_out;               /* --host-timeout hit: report nothing */
  uint64_t seq;                /* position in the target stream */

  struct port_table *ports[PROTO_COUNT];
  struct script_results scripts; /* host script results */

  void *user; /* owner's slot (src/run) */
};

/* Creates a host for `addr` (an AF_INET or AF_INET6 sockaddr). */
struct host *host_new(const struct sockaddr *addr, socklen_t len);
void host_free(struct host *h);

/* Returns the port, or NULL if it was not scanned. */
struct port *host_port_get(struct host *h, enum proto p, uint16_t number);
/* Returns the port, adding it in state PS_UNKNOWN if absent. Pointers
 * returned earlier for this protocol may move: do not keep them across
 * adds. */
struct port *host_port_add(struct host *h, enum proto p, uint16_t number);
/* Adds or updates a port's state and reason. */
struct port *host_port_set(struct host *h, enum proto p, uint16_t number,
                           enum port_state st, enum reason r, int ttl);
size_t host_port_count(const struct host *h, enum proto p);
/* Ports of protocol p sorted by number; valid until the next add. *n gets
 * the count. */
struct port *host_ports(struct host *h, enum proto p, size_t *n);
/* Number of ports of protocol p in state st. */
size_t host_state_count(const struct host *h, enum proto p, enum port_state st);

/* The port's service record, created (zeroed, confidence 3.0) on first
 * use. */
struct service *port_service(struct port *pt);
/* The port's script results, created empty on first use. */
struct script_results *port_scripts(struct port *pt);
/* True if the port has at least one script result. */
int port_has_scripts(const struct port *pt);

void service_clear(struct service *s);
/* Replaces *field with a copy of value (NULL clears). */
void service_set_str(char **field, const char *value);

#endif
