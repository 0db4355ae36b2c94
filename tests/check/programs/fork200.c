/* Hostile program: starts 200 child processes that sleep (bounded: each
 * sleeps at most 60 s and the count is fixed; this is not a fork bomb), then
 * waits. The checker must stop it for starting too many processes, and kill
 * every child. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 200; ++i) {
    pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) {
      sleep(60);
      _exit(0);
    }
  }
  for (;;) {
    if (wait(NULL) < 0) break;
  }
  return 0;
}
