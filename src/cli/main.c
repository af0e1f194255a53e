/* Placeholder entry point until the CLI lands (issue #2). */
#include <stdio.h>

int main(void) {
  puts("Portolan " PORTOLAN_VERSION);
  return 0;
}
