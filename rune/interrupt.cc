#include "rune/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "common/errors.h"

namespace rune::cli {
namespace {

// The write end of the live scope's pipe, and the signals seen so far; the
// handler may only touch lock-free atomics and write(2).
std::atomic<int> g_write_fd{-1};
std::atomic<int> g_signals{0};

constexpr char kSignalled = 1;
constexpr char kStop = 0;

struct sigaction g_old_int;
struct sigaction g_old_term;

void OnSignal(int /*signo*/) {
  if (g_signals.fetch_add(1) >= 1) _exit(common::kExitInterrupted);
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    const int saved = errno;
    const char c = kSignalled;
    (void)!write(fd, &c, 1);
    errno = saved;
  }
}

}  // namespace

InterruptScope::InterruptScope() {
  if (pipe2(pipe_, O_CLOEXEC) != 0) std::abort();  // out of descriptors: nothing sane to do
  if (g_write_fd.exchange(pipe_[1]) != -1) std::abort();  // one scope at a time
  g_signals = 0;
  struct sigaction action = {};
  action.sa_handler = &OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_old_int);
  sigaction(SIGTERM, &action, &g_old_term);
  thread_ = std::thread([this] { Loop(); });
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_write_fd = -1;
  const char c = kStop;
  (void)!write(pipe_[1], &c, 1);
  thread_.join();
  close(pipe_[0]);
  close(pipe_[1]);
}

void InterruptScope::Loop() {
  for (;;) {
    char c;
    const ssize_t n = read(pipe_[0], &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == kStop) return;
    Trigger();
  }
}

void InterruptScope::Trigger() {
  absl::MutexLock lock(&mu_);
  if (interrupted_) return;
  interrupted_ = true;
  if (callback_) callback_();
}

bool InterruptScope::interrupted() const {
  absl::MutexLock lock(&mu_);
  return interrupted_;
}

void InterruptScope::OnInterrupt(std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  callback_ = std::move(callback);
  if (interrupted_ && callback_) callback_();
}

bool InterruptScope::SleepFor(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&interrupted_), d);
  return interrupted_;
}

}  // namespace rune::cli
