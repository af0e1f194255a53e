/* The program around the pipeline (see cli.h): command line, process
 * set-up, the short-circuit actions (-h, -V, --script-help,
 * --script-updatedb), then run_scan. The only place that decides exit
 * statuses; main.c exits with what cli_main returns. */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cliargs.h"
#include "cli/usage.h"
#include "core/datapath.h"
#include "core/errcode.h"
#include "core/log.h"
#include "core/options.h"
#include "core/services.h"
#include "core/xalloc.h"
#include "nse/engine.h"
#include "run/run.h"

/* The program name as the user typed it, without directories, for
 * messages ("portolan: unrecognized option"). */
static const char *prog_name(const char *argv0) {
  if (argv0 == NULL || argv0[0] == '\0')
    return "portolan";
  const char *slash = strrchr(argv0, '/');
  return slash != NULL ? slash + 1 : argv0;
}

/* The command line as one string for the reports (Nmap's "args"). */
static char *join_args(int argc, char **argv) {
  size_t len = 1;
  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  char *s = xmalloc(len), *q = s;
  for (int i = 0; i < argc; i++) {
    size_t n = strlen(argv[i]);
    if (i > 0)
      *q++ = ' ';
    memcpy(q, argv[i], n);
    q += n;
  }
  *q = '\0';
  return s;
}

static int script_only_actions(const struct scan_opts *o) {
  char *err = NULL;
  int rc = 0;
  if (o->script_updatedb) {
    rc = nse_script_updatedb(o, &err);
  } else {
    rc = nse_script_help(o, stdout, &err);
  }
  if (rc != 0) {
    log_error("%s\nQUITTING!", err != NULL ? err : pt_strerror(rc));
    free(err);
    return 1;
  }
  free(err);
  return 0;
}

int cli_main(int argc, char **argv) {
  const char *prog = prog_name(argc > 0 ? argv[0] : NULL);
  struct scan_opts o;
  struct cliargs ca;
  int status;

  /* Writes to closed sockets and pipes must fail with EPIPE, not kill us:
   * libuv writes with write(2), and a report piped into `head` is a
   * normal way to stop early. */
  signal(SIGPIPE, SIG_IGN);

  opts_init(&o);
  memset(&ca, 0, sizeof ca);
  char *cmdline = join_args(argc, argv);
  /* getopt permutes the pointer array: parse a copy so that the reports
   * see the command line as typed. */
  char **av = xcalloc((size_t)argc + 1, sizeof *av);
  for (int i = 0; i < argc; i++)
    av[i] = argv[i];
  o.argv = argv;
  o.argc = argc;

  if (cliargs_parse(argc, av, &o, &ca) != 0) {
    if (ca.err_usage)
      fprintf(stderr,
              "%s: %s\nSee the output of %s -h for a summary of options.\n",
              prog, ca.err, prog);
    else
      fprintf(stderr, "%s\nQUITTING!\n", ca.err);
    status = 1;
    goto out;
  }
  if (ca.action == CLIARGS_HELP) {
    usage_print(stdout, prog);
    status = 0;
    goto out;
  }
  if (ca.action == CLIARGS_VERSION) {
    usage_version(stdout);
    status = 0;
    goto out;
  }

  datapath_init(argv[0], o.datadir);
  log_verbosity = o.verbosity;
  log_debugging = o.debugging;
  for (size_t i = 0; i < ca.warnings.n; i++)
    log_warn("%s", ca.warnings.v[i]);

  if (o.script_help != NULL || o.script_updatedb) {
    status = script_only_actions(&o);
    goto out_data;
  }
  if (services_load() != 0)
    log_debug(1, "No services file found; using the built-in list");
  status = run_scan(&o, cmdline);
  services_free();
out_data:
  datapath_free();
out:
  cliargs_free(&ca);
  opts_free(&o);
  free(av);
  free(cmdline);
  return status;
}
