/* Port list and target stream from the options (see plan.h). */
#include "run/plan.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errcode.h"
#include "core/log.h"

unsigned plan_protos(const struct scan_opts *o) {
  unsigned m = 0;
  if (o->scan_types & (SCAN_CONNECT | SCAN_SYN))
    m |= 1u << PROTO_TCP;
  if (o->scan_types & SCAN_UDP)
    m |= 1u << PROTO_UDP;
  return m != 0 ? m : 1u << PROTO_TCP;
}

unsigned plan_group_size(const struct scan_opts *o, size_t ports_per_host) {
  unsigned g;
  if (o->list_scan)
    g = 4096;
  else if (o->ping_only || ports_per_host <= 10)
    g = 4096;
  else if (ports_per_host <= 100)
    g = 1024;
  else if (ports_per_host <= 1000)
    g = 256;
  else
    g = 64; /* -p-: 64 hosts x 65535 ports is already 4M probes */
  if (o->max_hostgroup > 0 && g > (unsigned)o->max_hostgroup)
    g = (unsigned)o->max_hostgroup;
  if (o->min_hostgroup > 0 && g < (unsigned)o->min_hostgroup)
    g = (unsigned)o->min_hostgroup;
  return g;
}

int plan_ports(const struct scan_opts *o, struct portlist *pl, char *err,
               size_t errlen) {
  unsigned protos = plan_protos(o);
  int rc;
  memset(pl, 0, sizeof *pl);
  if (o->ports != NULL) {
    rc = portspec_parse(o->ports, protos, pl, err, errlen);
    if (rc != 0)
      return rc;
  } else {
    size_t n = o->fast ? 100 : 1000;
    if (o->top_ports > 0)
      n = (size_t)o->top_ports;
    rc = portspec_top(n, protos, pl);
    if (rc != 0) {
      snprintf(err, errlen, "Cannot select the top %zu ports: %s", n,
               pt_strerror(rc));
      return rc;
    }
  }
  if (o->exclude_ports != NULL) {
    struct portlist ex;
    memset(&ex, 0, sizeof ex);
    rc = portspec_parse(o->exclude_ports, protos, &ex, err, errlen);
    if (rc != 0) {
      portlist_free(pl);
      return rc;
    }
    portlist_exclude(pl, &ex);
    portlist_free(&ex);
  }
  if (portlist_total(pl) == 0 && !o->ping_only && !o->list_scan) {
    snprintf(err, errlen,
             "No ports to scan: the port options leave no port to scan");
    portlist_free(pl);
    return PT_EPARSE;
  }
  return 0;
}

static int apply_shard(const struct scan_opts *o, struct target_stream *ts) {
  if (o->shard == NULL)
    return 0;
  uint64_t i, n;
  if (sscanf(o->shard, "%" SCNu64 "/%" SCNu64, &i, &n) != 2 || i < 1 || i > n)
    return PT_EPARSE;
  /* The option is 1-based for people; the stream counts from 0. */
  target_stream_set_shard(ts, i - 1, n);
  return 0;
}

/* Excludes every address a host name resolves to, as Nmap does. This runs
 * once at start-up, before the loop starts, so the blocking getaddrinfo is
 * acceptable here. */
static int exclude_name(struct target_stream *ts, const struct scan_opts *o,
                        const char *name, char *msg, size_t msglen) {
  struct addrinfo hints = {.ai_family = o->af, .ai_socktype = SOCK_STREAM};
  struct addrinfo *res = NULL;
  int gai = getaddrinfo(name, NULL, &hints, &res);
  if (gai != 0) {
    snprintf(msg, msglen, "Failed to resolve \"%s\": %s", name,
             gai_strerror(gai));
    return PT_ERESOLVE;
  }
  int rc = 0;
  for (struct addrinfo *ai = res; ai != NULL && rc == 0; ai = ai->ai_next) {
    char ip[INET6_ADDRSTRLEN];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0,
                    NI_NUMERICHOST) == 0)
      rc = target_stream_exclude(ts, ip, msg, msglen);
  }
  freeaddrinfo(res);
  return rc;
}

int plan_targets(const struct scan_opts *o, struct target_stream **out,
                 char *err, size_t errlen) {
  struct target_stream *ts = target_stream_new(o->af);
  char msg[512] = "";
  int rc = 0;
  for (size_t i = 0; i < o->exclude.n && rc == 0; i++) {
    rc = target_stream_exclude(ts, o->exclude.v[i], msg, sizeof msg);
    if (rc == PT_ERESOLVE)
      rc = exclude_name(ts, o, o->exclude.v[i], msg, sizeof msg);
    if (rc != 0)
      snprintf(err, errlen, "Bad --exclude spec \"%s\": %s", o->exclude.v[i],
               msg);
  }
  if (rc == 0 && o->exclude_file != NULL) {
    rc = target_stream_exclude_file(ts, o->exclude_file, msg, sizeof msg);
    if (rc != 0)
      snprintf(err, errlen, "Failed to read exclude file %s: %s",
               o->exclude_file, msg[0] ? msg : pt_strerror(rc));
  }
  if (rc == 0 && o->input_file != NULL) {
    rc = target_stream_add_file(ts, o->input_file);
    if (rc != 0)
      snprintf(err, errlen, "Failed to open input file %s for reading: %s",
               o->input_file, pt_strerror(rc));
  }
  if (rc == 0 && apply_shard(o, ts) != 0) {
    snprintf(err, errlen, "Bogus --shard argument \"%s\"", o->shard);
    rc = PT_EPARSE;
  }
  if (rc != 0) {
    target_stream_free(ts);
    return rc;
  }
  for (size_t i = 0; i < o->targets.n; i++) {
    msg[0] = '\0';
    if (target_stream_add(ts, o->targets.v[i], msg, sizeof msg) != 0)
      log_error("%s", msg[0] ? msg : "Failed to parse a target spec");
    else if (msg[0] != '\0')
      log_error("%s", msg); /* a warning such as "Illegal netmask" */
  }
  *out = ts;
  return 0;
}
