/* The floor of the thread-per-connection design: the least a server with one
 * blocking thread per client can do for an upper-case echo on this machine.
 * Each thread blocks in recv(), upper-cases what arrived and send()s it back:
 * one recv() and one send() per request, nothing else. bench/load/run.sh
 * shows it next to the threaded-server reference, whose design it shares
 * (lesson 07), so the table separates what the design costs (a thread that
 * sleeps and is woken for every request) from what the reference adds.
 *
 *   socklab-thread-floor PORT      (binds 127.0.0.1; ends on SIGTERM)
 *
 * Deliberately minimal: no error reporting, a short send() closes the
 * connection (the benchmark's small requests never cause one). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void* serve(void* arg) {
  int fd = (int)(intptr_t)arg;
  char buf[4096];
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r <= 0) break;
    for (ssize_t k = 0; k < r; ++k)
      if (buf[k] >= 'a' && buf[k] <= 'z') buf[k] = (char)(buf[k] - 'a' + 'A');
    if (send(fd, buf, (size_t)r, MSG_NOSIGNAL) != r) break;
  }
  close(fd);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)atoi(argv[argc - 1]));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) < 0 || listen(listener, 1024) < 0) {
    perror("bind/listen");
    return 1;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  for (;;) {
    int c = accept(listener, NULL, NULL);
    if (c < 0) continue;
    pthread_t t;
    if (pthread_create(&t, &attr, serve, (void*)(intptr_t)c) != 0) close(c);
  }
}
