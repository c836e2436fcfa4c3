#include "runed/runner/docker/log_lines.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rune::daemon::docker {
namespace {

using logstore::LogRecord;
using logstore::LogStream;

absl::Time At(int64_t seconds, int64_t nanos = 0) {
  return absl::FromUnixNanos(seconds * 1000000000 + nanos);
}

TEST(ParseLogFrame, SplitsTimestampAndContent) {
  std::vector<EngineLogLine> lines =
      ParseLogFrame(1, "2026-11-26T08:54:29.123456789Z hello world\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].time, absl::FromUnixNanos(1795683269123456789));
  EXPECT_EQ(lines[0].stream, LogStream::kStdout);
  EXPECT_EQ(lines[0].content, "hello world");
}

TEST(ParseLogFrame, WholeSecondsOffsetsStderrAndEmptyLines) {
  std::vector<EngineLogLine> lines = ParseLogFrame(2, "2026-11-26T09:54:29+01:00 oops\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].time, At(1795683269));
  EXPECT_EQ(lines[0].stream, LogStream::kStderr);
  EXPECT_EQ(lines[0].content, "oops");

  lines = ParseLogFrame(1, "2026-11-26T08:54:29Z \n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].content, "");
  lines = ParseLogFrame(1, "2026-11-26T08:54:29Z\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].time, At(1795683269));
  EXPECT_EQ(lines[0].content, "");
}

TEST(ParseLogFrame, InnerNewlinesAndMissingTimestamp) {
  std::vector<EngineLogLine> lines = ParseLogFrame(1, "2026-11-26T08:54:29Z a\nb\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].content, "b");
  EXPECT_EQ(lines[1].time, At(1795683269));

  lines = ParseLogFrame(1, "no timestamp here");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].time, absl::InfinitePast());
  EXPECT_EQ(lines[0].content, "no timestamp here");
}

TEST(LogClock, KeepsPreciseEngineTimes) {
  LogClock clock;
  EXPECT_EQ(clock.Stamp(At(100, 5), At(100, 900)), At(100, 5));
}

TEST(LogClock, WholeSecondEnginesGetTheReadTimeWithinThatSecond) {
  LogClock clock;
  EXPECT_EQ(clock.Stamp(At(100), At(100, 250000000)), At(100, 250000000));
  // Read long after (a backlog): the engine's second.
  LogClock backlog;
  EXPECT_EQ(backlog.Stamp(At(100), At(160)), At(100));
}

TEST(LogClock, NeverGoesBackwards) {
  LogClock clock(At(100, 500));
  EXPECT_EQ(clock.Stamp(At(100, 100), At(100, 100)), At(100, 500));
  EXPECT_EQ(clock.Stamp(absl::InfinitePast(), At(101)), At(101));
}

LogRecord Record(absl::Time t, LogStream s, std::string content) {
  LogRecord r;
  r.unix_nanos = absl::ToUnixNanos(t);
  r.stream = s;
  r.content = std::move(content);
  return r;
}

EngineLogLine Line(absl::Time t, LogStream s, std::string content) { return {t, s, std::move(content)}; }

TEST(ResumeFilter, NothingStoredKeepsEverything) {
  ResumeFilter f;
  EXPECT_EQ(f.SinceQuery(), "");
  EXPECT_FALSE(f.Duplicate(Line(At(1), LogStream::kStdout, "x")));
}

TEST(ResumeFilter, DropsStoredLinesOncePerCopyThenStops) {
  // Stored with read times inside whole engine seconds (podman).
  ResumeFilter f = ResumeFilter::From({
      Record(At(98, 100), LogStream::kStdout, "old"),
      Record(At(99, 200), LogStream::kStdout, "tick"),
      Record(At(100, 100), LogStream::kStdout, "tick"),
      Record(At(100, 300), LogStream::kStderr, "warn"),
  });
  EXPECT_EQ(f.SinceQuery(), "&since=99");
  EXPECT_EQ(f.last(), At(100, 300));
  // The engine replays from second 99.
  EXPECT_TRUE(f.Duplicate(Line(At(99), LogStream::kStdout, "tick")));
  EXPECT_TRUE(f.Duplicate(Line(At(100), LogStream::kStdout, "tick")));
  EXPECT_TRUE(f.Duplicate(Line(At(100), LogStream::kStderr, "warn")));
  // Written in the same second after runed stopped reading: new.
  EXPECT_FALSE(f.Duplicate(Line(At(100), LogStream::kStdout, "tick")));
  EXPECT_FALSE(f.Duplicate(Line(At(100), LogStream::kStdout, "bye")));
  // Once past the last stored line, nothing is dropped any more.
  EXPECT_FALSE(f.Duplicate(Line(At(101), LogStream::kStderr, "warn")));
  EXPECT_FALSE(f.Duplicate(Line(At(100), LogStream::kStdout, "old")));
}

TEST(ResumeFilter, StreamsAreDistinct) {
  ResumeFilter f = ResumeFilter::From({Record(At(50, 1), LogStream::kStdout, "same")});
  EXPECT_FALSE(f.Duplicate(Line(At(50, 1), LogStream::kStderr, "same")));
  EXPECT_TRUE(f.Duplicate(Line(At(50, 1), LogStream::kStdout, "same")));
}

TEST(ResumeFilter, PreciseEngineTimes) {
  ResumeFilter f = ResumeFilter::From({
      Record(At(200, 10), LogStream::kStdout, "a"),
      Record(At(200, 20), LogStream::kStdout, "b"),
  });
  EXPECT_TRUE(f.Duplicate(Line(At(200, 10), LogStream::kStdout, "a")));
  EXPECT_TRUE(f.Duplicate(Line(At(200, 20), LogStream::kStdout, "b")));
  EXPECT_FALSE(f.Duplicate(Line(At(200, 30), LogStream::kStdout, "a")));
}

}  // namespace
}  // namespace rune::daemon::docker
