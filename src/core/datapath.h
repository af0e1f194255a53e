/* Where Portolan finds nselib/, scripts/ and data files (DESIGN.md "The
 * engine"): first hit wins, in this order:
 *   --datadir, $PORTOLAN_DATADIR, ~/.portolan, the binary's own directory,
 *   <binary dir>/../share/portolan, <binary dir>/.. (the source tree when the
 *   binary is build/portolan), the compiled-in PORTOLAN_INSTALL_DATADIR, and
 *   last /usr/share/nmap (Nmap's data files we do not ship).
 * Only directories that exist when the path is built are kept, each once
 * (compared after realpath). Set up once by src/cli; read-only afterwards;
 * the accessors set it up with defaults (no --datadir) if nobody did. */
#ifndef PORTOLAN_CORE_DATAPATH_H
#define PORTOLAN_CORE_DATAPATH_H

#include <stddef.h>

/* argv0: the binary's path (resolved through /proc/self/exe when
 * possible). datadir: --datadir or NULL. */
void datapath_init(const char *argv0, const char *datadir);
void datapath_free(void);

/* Number of directories on the path and the i-th one. */
size_t datapath_count(void);
const char *datapath_dir(size_t i);

enum datapath_kind { DATAPATH_FILE = 1, DATAPATH_DIR = 2, DATAPATH_ANY = 3 };

/* Finds relative name `rel` (e.g. "nselib/stdnse.lua", "nmap-services") on
 * the path. Absolute names are checked as they are. Returns a malloc'd path
 * or NULL. */
char *datapath_find(const char *rel, enum datapath_kind kind);

#endif
