// The local side of `rune exec` (SPEC §3.6.8, §2.7): raw terminal mode that
// is restored on every exit path, the window size, and a self-pipe that turns
// the signals exec forwards into values a thread can wait for.
//
//   std::optional<RawTerminal> raw;
//   if (tty) raw.emplace(STDIN_FILENO);        // restored when `raw` goes away
//   SignalPipe signals({SIGINT, SIGTERM, SIGWINCH});
//   int sig = signals.Next(absl::Seconds(1));  // 0: timeout, -1: Stop() called
#ifndef RUNE_RUNE_EXEC_TERMINAL_H_
#define RUNE_RUNE_EXEC_TERMINAL_H_

#include <signal.h>
#include <termios.h>

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace rune::cli {

// Puts the terminal behind `fd` in raw mode; the destructor restores the
// previous settings. Does nothing when `fd` is not a terminal.
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  bool active_ = false;
  termios saved_{};
};

struct TerminalSize {
  uint16_t rows = 0;
  uint16_t cols = 0;
};

// The window size of the first of stdout, stdin and stderr that is a
// terminal; 0×0 when none is.
TerminalSize CurrentTerminalSize();

// While it lives, `signals` are caught (not acted upon) and queued for
// Next(); only one SignalPipe may live at a time. The destructor restores the
// previous handlers.
class SignalPipe {
 public:
  explicit SignalPipe(std::vector<int> signals);
  ~SignalPipe();
  SignalPipe(const SignalPipe&) = delete;
  SignalPipe& operator=(const SignalPipe&) = delete;

  // The next caught signal; 0 when `timeout` passed first
  // (absl::InfiniteDuration() waits forever); -1 once Stop() was called.
  int Next(absl::Duration timeout);
  // Makes Next() return -1 from now on (any thread).
  void Stop();

 private:
  std::vector<int> signals_;
  std::vector<struct sigaction> saved_;
  int pipe_[2] = {-1, -1};
};

}  // namespace rune::cli

#endif  // RUNE_RUNE_EXEC_TERMINAL_H_
