/* Hostile program: dies of SIGSEGV at once (the checker sets RLIMIT_CORE to 0,
 * so no core file is left behind). */
#include <stdio.h>

int main(void) {
  volatile int* p = NULL;
  fprintf(stderr, "about to dereference NULL\n");
  return *p;
}
