#include "rune/interrupt.h"

#include <signal.h>

#include <atomic>

#include "gtest/gtest.h"

namespace rune::cli {
namespace {

TEST(InterruptScope, SigintRunsTheCallbackAndEndsTheSleep) {
  InterruptScope scope;
  std::atomic<int> calls{0};
  scope.OnInterrupt([&calls] { ++calls; });
  EXPECT_FALSE(scope.interrupted());
  EXPECT_FALSE(scope.SleepFor(absl::Milliseconds(10)));
  raise(SIGINT);
  EXPECT_TRUE(scope.SleepFor(absl::Seconds(10)));
  EXPECT_TRUE(scope.interrupted());
  EXPECT_EQ(calls.load(), 1);
}

TEST(InterruptScope, SigtermCountsToo) {
  InterruptScope scope;
  raise(SIGTERM);
  EXPECT_TRUE(scope.SleepFor(absl::Seconds(10)));
}

TEST(InterruptScope, LateCallbackRunsAtOnceAndClearedCallbackNever) {
  InterruptScope scope;
  std::atomic<int> calls{0};
  scope.OnInterrupt([&calls] { ++calls; });
  scope.OnInterrupt(nullptr);
  scope.Trigger();
  EXPECT_EQ(calls.load(), 0);
  scope.OnInterrupt([&calls] { ++calls; });
  EXPECT_EQ(calls.load(), 1);
}

TEST(InterruptScope, RestoresThePreviousHandler) {
  static std::atomic<int> seen{0};
  struct sigaction mine = {};
  mine.sa_handler = [](int) { ++seen; };
  sigemptyset(&mine.sa_mask);
  struct sigaction old;
  sigaction(SIGINT, &mine, &old);
  { InterruptScope scope; }
  raise(SIGINT);
  EXPECT_EQ(seen.load(), 1);
  sigaction(SIGINT, &old, nullptr);
}

TEST(InterruptScope, SecondSignalExitsWith130) {
  EXPECT_EXIT(
      {
        InterruptScope scope;
        raise(SIGINT);
        scope.SleepFor(absl::Seconds(10));
        raise(SIGINT);
        absl::SleepFor(absl::Seconds(10));
      },
      ::testing::ExitedWithCode(130), "");
}

}  // namespace
}  // namespace rune::cli
