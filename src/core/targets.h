/* The target stream: Nmap's target specifications, expanded lazily so that a
 * /8 costs the memory of a /24 (DESIGN.md). Specs: IPv4 addresses, CIDR
 * (10.0.0.0/8), octet ranges and lists (192.168.0-3,7.1-254, "-" open
 * ends), hostnames (optionally with /prefix), IPv6 addresses and IPv6 CIDR
 * (only with AF_INET6; prefixes below /104 are refused, as a sanity
 * limit; "%zone" suffixes), files (-iL, read lazily, "-" = stdin), exclusions.
 *
 * Names are not resolved here (core uses libc only): the stream yields a
 * TARGET_NAME item; the caller resolves it (src/net/dns) and pushes the
 * answer back with target_stream_push_resolved, which the stream yields
 * next as TARGET_ADDR items carrying the name. */
#ifndef PORTOLAN_CORE_TARGETS_H
#define PORTOLAN_CORE_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct target_stream;

enum target_kind { TARGET_ADDR, TARGET_NAME };

struct target {
  enum target_kind kind;
  struct sockaddr_storage addr; /* TARGET_ADDR */
  socklen_t addrlen;
  char *name; /* TARGET_NAME: name to resolve; TARGET_ADDR: the name the
                 address came from (for host->targetname), or NULL */
  int prefix; /* TARGET_NAME: /bits after the name, -1 when none */
  int family; /* AF_INET or AF_INET6 wanted for a name */
};

/* af: AF_INET or AF_INET6 (-6). */
struct target_stream *target_stream_new(int af);
void target_stream_free(struct target_stream *ts);

/* Queues one spec. Returns 0, or PT_EPARSE with a one-line message in err
 * naming the spec (the caller warns and skips it, as Nmap does). On
 * success err is "" or holds a warning to print (Nmap's "Illegal netmask
 * in \"10.0.0.0/33\". Assuming /32 (one host)"). */
int target_stream_add(struct target_stream *ts, const char *spec, char *err,
                      size_t errlen);
/* Queues a file of whitespace-separated specs (-iL; "-" = stdin), read
 * lazily as the stream advances. Returns 0 or -errno on open failure. */
int target_stream_add_file(struct target_stream *ts, const char *path);
/* Adds an exclusion spec (numeric forms, either family). Returns 0,
 * PT_EPARSE with a message, or PT_ERESOLVE for a host name: the caller
 * resolves it and excludes the addresses. */
int target_stream_exclude(struct target_stream *ts, const char *spec, char *err,
                          size_t errlen);
int target_stream_exclude_file(struct target_stream *ts, const char *path,
                               char *err, size_t errlen);
/* Keeps only targets whose position modulo n equals i (--shard i/n,
 * 0-based i; n = 0 turns sharding off). Positions count non-excluded
 * items in stream order, a TARGET_NAME as one item; addresses pushed back
 * for a name are not sharded again. Deterministic, so N shards cover the
 * space exactly once. */
void target_stream_set_shard(struct target_stream *ts, uint64_t i, uint64_t n);

/* Next target in spec order, exclusions and shard applied. Returns 1 with
 * *out filled (free with target_clear), 0 at the end. Bad lines of an -iL
 * file are reported through `warn` (may be NULL) and skipped. */
int target_stream_next(struct target_stream *ts, struct target *out,
                       void (*warn)(const char *msg, void *ud), void *ud);
void target_clear(struct target *t);

/* Hands back the address a TARGET_NAME resolved to; the stream yields the
 * network addr/prefix (prefix < 0: the address alone) before anything
 * else (even in the middle of a range), exclusions applied. As Nmap, only
 * the resolved address itself carries `name` ("localhost/24" names
 * 127.0.0.1, not 127.0.0.2). Returns 0 or PT_EPARSE (bad prefix). */
int target_stream_push_resolved(struct target_stream *ts, const char *name,
                                const struct sockaddr *addr, socklen_t len,
                                int prefix);

/* True when addr is excluded. */
int target_stream_is_excluded(const struct target_stream *ts,
                              const struct sockaddr *addr);

#endif
