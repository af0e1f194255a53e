/* Turns options into the two inputs of a scan: the port list and the
 * target stream. Both report bad input as one line in err; the caller
 * prints it with "QUITTING!" and exits 1, as Nmap does. Bad target specs
 * are not errors: they are warned about and skipped. */
#ifndef PORTOLAN_RUN_PLAN_H
#define PORTOLAN_RUN_PLAN_H

#include <stddef.h>

#include "core/options.h"
#include "core/portspec.h"
#include "core/targets.h"

/* Protocol mask (1 << PROTO_TCP ...) the selected scan types cover. */
unsigned plan_protos(const struct scan_opts *o);

/* Host group size: how many hosts (and pending name lookups) are in flight
 * at most, from --min/max-hostgroup or a default that depends on the
 * number of ports per host (fewer ports, more hosts at once), so that
 * memory stays bounded on any target space. */
unsigned plan_group_size(const struct scan_opts *o, size_t ports_per_host);

/* Fills pl from -p, -F, --top-ports and --exclude-ports (services must be
 * loaded). Returns 0 or a negative code with err set. */
int plan_ports(const struct scan_opts *o, struct portlist *pl, char *err,
               size_t errlen);

/* Creates the stream with the command-line specs, -iL, exclusions and
 * the shard applied. Unparseable specs are warned about (log_error) and
 * skipped. Returns 0 or a negative code with err set (missing -iL or
 * exclude file, bad --exclude). */
int plan_targets(const struct scan_opts *o, struct target_stream **out,
                 char *err, size_t errlen);

#endif
