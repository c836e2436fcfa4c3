// A TCP server that accepts connections and never answers: the "hung runed"
// of the completion tests (SPEC §3.7: a hung server never freezes the prompt).
//
//   hung_server &          # prints "127.0.0.1:<port>" on stdout, then holds
//                          # every connection until SIGTERM or its parent ends
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <vector>

int main() {
  prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlives the test that started it
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 128) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("hung_server");
    return 1;
  }
  std::printf("127.0.0.1:%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  std::vector<int> held;  // open, never read, never written
  for (;;) {
    const int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn >= 0) held.push_back(conn);
  }
}
