/* A one-shot UDP echo server for network tests (busybox's nc has no -u):
 * udpecho PORT prints each datagram it receives (and the address it came
 * from) and answers "echo:" + it,
 * until one says "bye" (so that it never exits before its answer is out).
 * Built statically by the tests so that it runs in the busybox image. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(argv[1]));
  if (s < 0 || bind(s, (struct sockaddr*)&a, sizeof a) != 0) {
    perror("udpecho");
    return 1;
  }
  char buf[512], out[600];
  for (;;) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf - 1, 0, (struct sockaddr*)&from, &len);
    if (n < 0) return 1;
    buf[n] = 0;
    if (strcmp(buf, "bye") == 0) return 0;
    printf("got %s from %s\n", buf, inet_ntoa(from.sin_addr));
    fflush(stdout);
    int m = snprintf(out, sizeof out, "echo:%s", buf);
    sendto(s, out, (size_t)m, 0, (struct sockaddr*)&from, len);
  }
}
