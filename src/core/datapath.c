/* The data search path; see datapath.h for the order.
 *
 * Invariants: the path holds only directories that existed when it was
 * built, each once (compared after realpath), in priority order. It is
 * built once (datapath_init, or lazily with defaults on first use so that
 * tests and tools that never call datapath_init still find data) and only
 * read afterwards. */
#include "core/datapath.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"

#ifndef PORTOLAN_INSTALL_DATADIR
#define PORTOLAN_INSTALL_DATADIR "/usr/local/share/portolan"
#endif

#define NMAP_DATADIR "/usr/share/nmap"

static char **dirs;
static size_t ndirs, capdirs;
static int initialized;

static int is_kind(const char *path, enum datapath_kind kind) {
  struct stat st;
  if (stat(path, &st) != 0)
    return 0;
  if ((kind & DATAPATH_FILE) && S_ISREG(st.st_mode))
    return 1;
  if ((kind & DATAPATH_DIR) && S_ISDIR(st.st_mode))
    return 1;
  return 0;
}

/* Appends dir when it is an existing directory not already on the path. */
static void add_dir(const char *dir) {
  if (dir == NULL || dir[0] == '\0')
    return;
  char *real = realpath(dir, NULL);
  if (real == NULL)
    return;
  if (!is_kind(real, DATAPATH_DIR)) {
    free(real);
    return;
  }
  for (size_t i = 0; i < ndirs; i++) {
    if (strcmp(dirs[i], real) == 0) {
      free(real);
      return;
    }
  }
  dirs = xgrow(dirs, &capdirs, ndirs + 1, sizeof *dirs);
  dirs[ndirs++] = xstrdup(real);
  free(real);
}

static void add_joined(const char *base, const char *rel) {
  char *p = xasprintf("%s/%s", base, rel);
  add_dir(p);
  free(p);
}

/* The directory holding the running binary: /proc/self/exe first, because
 * argv[0] may be a bare name found through $PATH. Returns malloc'd text or
 * NULL. */
static char *binary_dir(const char *argv0) {
  char buf[PATH_MAX];
  char *exe = NULL;
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = '\0';
    exe = xstrdup(buf);
  } else if (argv0 != NULL && strchr(argv0, '/') != NULL) {
    exe = realpath(argv0, NULL);
    if (exe != NULL) {
      char *copy = xstrdup(exe);
      free(exe);
      exe = copy;
    }
  }
  if (exe == NULL)
    return NULL;
  char *slash = strrchr(exe, '/');
  if (slash == NULL) {
    free(exe);
    return NULL;
  }
  if (slash == exe)
    slash[1] = '\0';
  else
    *slash = '\0';
  return exe;
}

void datapath_init(const char *argv0, const char *datadir) {
  datapath_free();
  initialized = 1;
  add_dir(datadir);
  add_dir(getenv("PORTOLAN_DATADIR"));
  const char *home = getenv("HOME");
  if (home != NULL && home[0] != '\0')
    add_joined(home, ".portolan");
  char *bin = binary_dir(argv0);
  if (bin != NULL) {
    add_dir(bin);
    add_joined(bin, "../share/portolan");
    add_joined(bin, "..");
    free(bin);
  }
  add_dir(PORTOLAN_INSTALL_DATADIR);
  add_dir(NMAP_DATADIR);
}

void datapath_free(void) {
  for (size_t i = 0; i < ndirs; i++)
    free(dirs[i]);
  free(dirs);
  dirs = NULL;
  ndirs = capdirs = 0;
  initialized = 0;
}

static void ensure_init(void) {
  if (!initialized)
    datapath_init(NULL, NULL);
}

size_t datapath_count(void) {
  ensure_init();
  return ndirs;
}

const char *datapath_dir(size_t i) {
  ensure_init();
  return i < ndirs ? dirs[i] : NULL;
}

char *datapath_find(const char *rel, enum datapath_kind kind) {
  if (rel == NULL || rel[0] == '\0')
    return NULL;
  if (rel[0] == '/')
    return is_kind(rel, kind) ? xstrdup(rel) : NULL;
  ensure_init();
  for (size_t i = 0; i < ndirs; i++) {
    char *p = xasprintf("%s/%s", dirs[i], rel);
    if (is_kind(p, kind))
      return p;
    free(p);
  }
  return NULL;
}
