/* Portolan's built-in list of common ports (services_builtin.c), the last
 * resort of the services table when no nmap-services file is found.
 * Internal to src/core/services.c. */
#ifndef PORTOLAN_CORE_SERVICES_BUILTIN_H
#define PORTOLAN_CORE_SERVICES_BUILTIN_H

#include <stddef.h>
#include <stdint.h>

struct service_builtin {
  const char *name;
  uint16_t port;
  double freq;
};

/* Ordered by descending frequency. */
extern const struct service_builtin services_builtin_tcp[];
extern const size_t services_builtin_ntcp;
extern const struct service_builtin services_builtin_udp[];
extern const size_t services_builtin_nudp;

#endif
