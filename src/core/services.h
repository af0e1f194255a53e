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
void services_free(void);

/* Service name for a port, or NULL when the table has none. */
const char *services_name(uint16_t port, enum proto p);

/* All entries of protocol p sorted by descending frequency (ties by port
 * number). *n gets the count. */
const struct service_entry *services_by_freq(enum proto p, size_t *n);

/* Calls fn for every entry whose name matches the shell glob `pattern`
 * (for -p http*). Returns the number of matches. */
size_t services_match(const char *pattern,
                      void (*fn)(const struct service_entry *, void *),
                      void *ud);

/* Where the table came from (a path, or "built-in"), for -d output. */
const char *services_source(void);

#endif
