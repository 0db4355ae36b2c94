/* Hostile program: blocks in connect() for good. It fills the accept queue of
 * a listener of its own (backlog 0, never accepting), so its next SYN is
 * dropped and connect() waits for the kernel's retries (minutes). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(l, (struct sockaddr*)&a, sizeof a) < 0 || listen(l, 0) < 0) return 1;
  getsockname(l, (struct sockaddr*)&a, &len);
  for (int i = 0; i < 8; ++i) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    fprintf(stderr, "connect #%d\n", i + 1);
    connect(c, (struct sockaddr*)&a, sizeof a); /* the 2nd or 3rd one blocks */
  }
  return 0;
}
