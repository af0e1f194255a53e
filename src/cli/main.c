/* Entry point: everything lives in cli.c so that it can be tested. */
#include <stdlib.h>

#include "cli/cli.h"

int main(int argc, char **argv) {
  exit(cli_main(argc, argv));
}
