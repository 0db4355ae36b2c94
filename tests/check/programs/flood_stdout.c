/* Hostile program: writes 100 MB to stdout as fast as it can, then exits 0. */
#include <string.h>
#include <unistd.h>

int main(void) {
  static char buf[1 << 16];
  memset(buf, 'y', sizeof buf);
  long left = 100L * 1000 * 1000;
  while (left > 0) {
    ssize_t n = write(1, buf, left < (long)sizeof buf ? (size_t)left : sizeof buf);
    if (n <= 0) return 1;
    left -= n;
  }
  return 0;
}
