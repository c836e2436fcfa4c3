#include "rune/exec_terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <utility>

#include "absl/time/clock.h"

namespace rune::cli {
namespace {

// The write end of the live SignalPipe; the handler may only use it with
// write(2).
std::atomic<int> g_signal_write_fd{-1};

constexpr unsigned char kStopByte = 0;

void OnSignal(int signo) {
  const int fd = g_signal_write_fd.load();
  if (fd < 0) return;
  const int saved = errno;
  const unsigned char c = static_cast<unsigned char>(signo);
  (void)!write(fd, &c, 1);
  errno = saved;
}

}  // namespace

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (!isatty(fd) || tcgetattr(fd, &saved_) != 0) return;
  termios raw = saved_;
  cfmakeraw(&raw);
  active_ = tcsetattr(fd, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (active_) tcsetattr(fd_, TCSANOW, &saved_);
}

TerminalSize CurrentTerminalSize() {
  for (int fd : {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO}) {
    winsize ws{};
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
      return TerminalSize{ws.ws_row, ws.ws_col};
    }
  }
  return TerminalSize{};
}

SignalPipe::SignalPipe(std::vector<int> signals) : signals_(std::move(signals)) {
  // Out of descriptors, or a second live pipe: nothing sane to do.
  if (pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) std::abort();
  if (g_signal_write_fd.exchange(pipe_[1]) != -1) std::abort();
  saved_.resize(signals_.size());
  struct sigaction action = {};
  action.sa_handler = &OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (size_t i = 0; i < signals_.size(); ++i) sigaction(signals_[i], &action, &saved_[i]);
}

SignalPipe::~SignalPipe() {
  for (size_t i = 0; i < signals_.size(); ++i) sigaction(signals_[i], &saved_[i], nullptr);
  g_signal_write_fd = -1;
  close(pipe_[0]);
  close(pipe_[1]);
}

int SignalPipe::Next(absl::Duration timeout) {
  const absl::Time until =
      timeout == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + timeout;
  for (;;) {
    unsigned char c;
    const ssize_t n = read(pipe_[0], &c, 1);
    if (n == 1) {
      if (c == kStopByte) {
        // Keep answering -1 to later calls.
        (void)!write(pipe_[1], &c, 1);
        return -1;
      }
      return c;
    }
    int wait_ms = -1;
    if (until != absl::InfiniteFuture()) {
      const absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) return 0;
      wait_ms = static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
    }
    pollfd p{pipe_[0], POLLIN, 0};
    if (poll(&p, 1, wait_ms) < 0 && errno != EINTR) return -1;
  }
}

void SignalPipe::Stop() {
  const unsigned char c = kStopByte;
  (void)!write(pipe_[1], &c, 1);
}

}  // namespace rune::cli
