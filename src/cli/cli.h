/* The program: parse the command line, set up the process (data path, log
 * levels, signals), run the pipeline, map the outcome to an exit status.
 * main.c calls cli_main and exits with what it returns. */
#ifndef PORTOLAN_CLI_CLI_H
#define PORTOLAN_CLI_CLI_H

/* Returns the exit status: 0 success (also when no target was valid, as
 * Nmap), 1 for a usage or set-up error, 130 after SIGINT. */
int cli_main(int argc, char **argv);

#endif
