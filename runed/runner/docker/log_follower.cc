#include "runed/runner/docker/log_follower.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runed/logging.h"
#include "runed/logstore/log_file.h"
#include "runed/runner/docker/container_state.h"
#include "runed/runner/docker/log_lines.h"

namespace rune::daemon::docker {
namespace {

constexpr absl::Duration kRetry = absl::Seconds(1);

// Streams the container's log once into `writer`; OK when the engine ended
// the stream (the container stopped, or follow=0 and everything was sent).
absl::Status StreamOnce(EngineClient* engine, const std::string& id, bool follow,
                        logstore::LogWriter* writer, ResumeFilter* resume, LogClock* clock,
                        const std::atomic<bool>* cancel) {
  FrameDemuxer demux;
  absl::Status write_error;
  auto on_frame = [&](int stream, absl::string_view payload) {
    const absl::Time now = absl::Now();
    for (const EngineLogLine& line : ParseLogFrame(stream, payload)) {
      if (resume->Duplicate(line)) continue;
      absl::Status s = writer->Append(clock->Stamp(line.time, now), line.stream, line.content);
      if (!s.ok() && write_error.ok()) write_error = s;
    }
  };
  const std::string path =
      absl::StrCat("/containers/", id, "/logs?follow=", follow ? 1 : 0,
                   "&stdout=1&stderr=1&timestamps=1", resume->SinceQuery());
  absl::StatusOr<EngineResponse> r = engine->Stream(
      "GET", path, nullptr,
      [&](absl::string_view chunk) {
        demux.Feed(chunk, on_frame);
        return true;
      },
      cancel);
  if (!r.ok()) return r.status();
  if (r->status == 404) return absl::NotFoundError(r->message);
  if (r->status >= 400) return absl::UnavailableError(r->message);
  if (!write_error.ok()) Log().Warn(absl::StrCat("container logs: ", write_error.message()));
  return absl::OkStatus();
}

ResumeFilter ResumeFrom(const std::string& log_path) {
  absl::StatusOr<std::vector<logstore::LogRecord>> records = logstore::ReadLogFiles(log_path);
  if (!records.ok()) return ResumeFilter();
  return ResumeFilter::From(*records);
}

// Whether the engine still runs the container (false when gone).
bool StillRunning(EngineClient* engine, const std::string& id) {
  absl::StatusOr<EngineResponse> r = engine->Call("GET", absl::StrCat("/containers/", id, "/json"));
  if (!r.ok()) return true;  // the engine is away; the container may well run
  if (r->status != 200) return false;
  return PhaseOf(Field(r->json, "State")) == ContainerPhase::kRunning;
}

}  // namespace

LogFollower::LogFollower(EngineClient* engine, std::string container_id, std::string log_path,
                         int64_t max_bytes, bool resume)
    : engine_(engine),
      container_id_(std::move(container_id)),
      log_path_(std::move(log_path)),
      max_bytes_(max_bytes),
      resume_(resume) {}

LogFollower::~LogFollower() { Finish(absl::ZeroDuration()); }

void LogFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LogFollower::Finish(absl::Duration grace) {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), grace);
  }
  cancel_ = true;
  thread_.join();
}

void LogFollower::Run() {
  absl::StatusOr<std::unique_ptr<logstore::LogWriter>> writer =
      logstore::LogWriter::Open(log_path_, max_bytes_);
  if (!writer.ok()) {
    Log().Warn(absl::StrCat("container logs: ", writer.status().message()),
               {{"container", container_id_}});
  }
  bool resume = resume_;
  LogClock clock;
  while (writer.ok() && !Cancelled()) {
    ResumeFilter filter = resume ? ResumeFrom(log_path_) : ResumeFilter();
    if (resume) clock = LogClock(filter.last());
    resume = true;  // every later attempt continues this file
    absl::Status s =
        StreamOnce(engine_, container_id_, /*follow=*/true, writer->get(), &filter, &clock, &cancel_);
    if (Cancelled() || absl::IsNotFound(s)) break;
    // The stream ends when the container stops; it can also drop (engine
    // restart): follow again while the container runs.
    if (s.ok() && !StillRunning(engine_, container_id_)) break;
    const absl::Time retry_at = absl::Now() + kRetry;
    while (!Cancelled() && absl::Now() < retry_at) absl::SleepFor(absl::Milliseconds(50));
  }
  absl::MutexLock lock(&mu_);
  done_ = true;
}

absl::Status CatchUp(EngineClient* engine, const std::string& container_id,
                     const std::string& log_path, int64_t max_bytes) {
  absl::StatusOr<std::unique_ptr<logstore::LogWriter>> writer =
      logstore::LogWriter::Open(log_path, max_bytes);
  if (!writer.ok()) return writer.status();
  ResumeFilter filter = ResumeFrom(log_path);
  LogClock clock(filter.last());
  const std::atomic<bool> never{false};
  return StreamOnce(engine, container_id, /*follow=*/false, writer->get(), &filter, &clock, &never);
}

}  // namespace rune::daemon::docker
