// Ctrl-C handling for commands that follow a stream, watch or wait (SPEC
// §2.7). While an InterruptScope lives, the first SIGINT or SIGTERM marks it
// interrupted and runs its callback (on a helper thread, e.g. to cancel the
// RPC a reader blocks in); a second SIGINT or SIGTERM exits 130 at once.
//
//   InterruptScope interrupt;
//   grpc::ClientContext ctx;
//   interrupt.OnInterrupt([&ctx] { ctx.TryCancel(); });
//   while (reader->Read(&event)) …
//   interrupt.OnInterrupt(nullptr);   // before ctx goes away
//   if (interrupt.interrupted()) return common::StreamInterruptedError();
#ifndef RUNE_RUNE_INTERRUPT_H_
#define RUNE_RUNE_INTERRUPT_H_

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rune::cli {

class InterruptScope {
 public:
  // Installs the SIGINT and SIGTERM handlers; only one scope may live at a
  // time. The destructor restores the previous handlers.
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  bool interrupted() const;

  // Replaces the callback run at the first signal (nullptr: none). Runs it at
  // once when the scope is already interrupted. The callback runs with the
  // scope's lock held, so after OnInterrupt(nullptr) returns the old callback
  // is not running and never will.
  void OnInterrupt(std::function<void()> callback);

  // Sleeps for `d` or until the first signal; true when interrupted.
  bool SleepFor(absl::Duration d);

  // Behaves as if the first signal had arrived (tests).
  void Trigger();

 private:
  void Loop();

  mutable absl::Mutex mu_;
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> callback_ ABSL_GUARDED_BY(mu_);
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace rune::cli

#endif  // RUNE_RUNE_INTERRUPT_H_
