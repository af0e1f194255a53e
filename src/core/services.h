/* The services table: port number/protocol -> service name and open
 * frequency. Loaded from nmap-services found on the data path (ours, then
 * /usr/share/nmap/nmap-services), else /etc/services plus a built-in list of
 * common ports with frequencies so that the default scan, -F and
 * --top-ports still mean something.
 * Loaded once by src/cli or src/run; read-only afterwards. */
#ifndef PORTOLAN_CORE_SERVICES_H
#define PORTOLAN_CORE_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "core/host.h"

struct service_entry {
  const char *name;
  uint16_t port;
  uint8_t proto; /* enum proto */
  double freq;   /* 0 when unknown */
};

/* Loads the table (idempotent). Returns 0, or a negative code when no
 * source at all could be read (the built-in list still applies). */
int services_load(void);
/* Loads from explicit sources (tests, --servicedb): `nmap_services` in
 * nmap-services format when non-NULL and readable; otherwise the built-in
 * list plus `etc_services` (may be NULL) for names of other ports.
 * Replaces any loaded table. Returns 0, or -errno when the file that was
 * asked for could not be read (the fallback still applies). */
int services_load_from(const char *nmap_services, const char *etc_services);
void services_free(void);

/* Service name for a port, or NULL when the table has none. */
const char *services_name(uint16_t port, enum proto p);

/* All entries of protocol p sorted by descending frequency (ties by
 * ascending port number, so the order is total and stable across runs).
 * *n gets the count. */
const struct service_entry *services_by_freq(enum proto p, size_t *n);

/* Calls fn for every entry whose name matches the shell glob `pattern`
 * (for -p http*; case-sensitive, as Nmap), every protocol, each protocol's
 * entries in frequency order. Returns the number of matches. */
size_t services_match(const char *pattern,
                      void (*fn)(const struct service_entry *, void *),
                      void *ud);

/* Where the table came from (a path, or "built-in"), for -d output. */
const char *services_source(void);

#endif
