/* Hostile program: forks a child that leaves the process group and the
 * session (setsid), ignores SIGTERM, optionally clears its environment (so no
 * marker can find it), and outlives its parent; the parent exits at once.
 * If HOSTILE_PIDFILE is set, the child's pid is written there first.
 * Usage: orphan_ignores_term [clear-env] <port> */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int clear_env = argc > 2 && strcmp(argv[1], "clear-env") == 0;
  const char* pidfile = getenv("HOSTILE_PIDFILE");
  int ready[2];
  if (pipe(ready) < 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    close(ready[0]);
    setsid();
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    if (pidfile) {
      FILE* f = fopen(pidfile, "w");
      if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
      }
    }
    (void)!write(ready[1], "x", 1);
    close(ready[1]);
    if (clear_env) {
      char* args[] = {"sleep", "60", NULL};
      char* env[] = {NULL};
      execve("/bin/sleep", args, env);
    }
    sleep(60);
    _exit(0);
  }
  close(ready[1]);
  char c;
  (void)!read(ready[0], &c, 1); /* the child is set up before the parent leaves */
  return 0;
}
