/* Every setting of a run, as parsed from the command line by src/cli.
 * Stages read it; nothing but src/cli writes it. Strings are owned by the
 * struct (opts_free). Unset numeric settings are -1 unless noted. */
#ifndef PORTOLAN_CORE_OPTIONS_H
#define PORTOLAN_CORE_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

struct strlist {
  char **v;
  size_t n, cap;
};

void strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

enum scan_type_flags {
  SCAN_CONNECT = 1, /* -sT */
  SCAN_SYN = 2,     /* -sS */
  SCAN_UDP = 4,     /* -sU */
};

struct scan_opts {
  /* Targets */
  struct strlist targets; /* specs from the command line */
  char *input_file;       /* -iL (NULL, a path, or "-") */
  struct strlist exclude; /* --exclude, comma lists split */
  char *exclude_file;     /* --excludefile */
  int af;                 /* AF_INET (default) or AF_INET6 (-6) */
  int no_resolve;         /* -n */
  int always_resolve;     /* -R */
  char *dns_servers;      /* --dns-servers, comma-separated */
  int list_scan;          /* -sL */
  char *shard;            /* --shard I/N */

  /* Discovery */
  int skip_discovery; /* -Pn */
  int ping_only;      /* -sn */

  /* Ports and scan types */
  unsigned scan_types;   /* enum scan_type_flags; 0 means the default */
  char *ports;           /* -p */
  char *exclude_ports;   /* --exclude-ports */
  int fast;              /* -F */
  int top_ports;         /* --top-ports, 0 unset */
  double port_ratio;     /* --port-ratio, 0 unset */
  int version_detect;    /* -sV */
  int version_intensity; /* --version-intensity, default 7 */
  int randomize_hosts;   /* --randomize-hosts */

  /* -r: scan ports in order (default: shuffled, as Nmap does) */
  int no_randomize_ports;

  /* Timing (milliseconds; -1 = let -T decide) */
  int timing;                /* -T0..5, default 3 */
  double min_rate, max_rate; /* packets per second, 0 unset */
  int max_retries;
  int min_parallelism, max_parallelism; /* 0 unset */
  int min_hostgroup, max_hostgroup;     /* 0 unset */
  int64_t host_timeout_ms;              /* 0 = none */
  int64_t script_timeout_ms;            /* 0 = none */
  int64_t min_rtt_timeout_ms, max_rtt_timeout_ms, initial_rtt_timeout_ms;
  int64_t scan_delay_ms, max_scan_delay_ms;

  /* Output */
  char *out_normal, *out_xml, *out_grep, *out_json; /* "-" = stdout */
  int append_output;
  int open_only; /* --open */
  int reason;    /* --reason */
  int verbosity; /* -v count */
  int debugging; /* -d level */
  int packet_trace;
  int stats_every_ms; /* --stats-every, 0 off */
  int no_stylesheet;
  char *stylesheet;
  char **argv; /* the whole command line, for reports (borrowed) */
  int argc;

  /* Script engine */
  int script_scan;         /* -sC, --script or -A given */
  int script_default;      /* -sC */
  char *script_spec;       /* --script (comma list as given) */
  char *script_args;       /* --script-args */
  char *script_args_file;  /* --script-args-file */
  int script_trace;        /* --script-trace */
  int script_updatedb;     /* --script-updatedb */
  char *script_help;       /* --script-help */
  char *datadir;           /* --datadir */
  int max_script_threads;  /* --script-max-threads, 0 = default */
  size_t script_mem_limit; /* --script-mem-limit bytes, 0 = default */
};

/* Sets the defaults (timing 3, -1 for unset limits, AF_INET...). */
void opts_init(struct scan_opts *o);
void opts_free(struct scan_opts *o);

#endif
