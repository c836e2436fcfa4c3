// A client of the Docker Engine HTTP API over a unix socket (SPEC §5.10):
// HTTP/1.1 requests parsed by http-parser, chunked bodies, streamed bodies
// (logs, events) and hijacked connections (exec). JSON bodies are read and
// written as google.protobuf.Struct/Value through protobuf's JSON parser, so
// no engine answer is parsed by hand.
//
//   EngineClient engine({.socket = "/var/run/docker.sock"});
//   RUNE_RETURN_IF_ERROR(engine.Negotiate());            // /_ping → "/v1.41"
//   absl::StatusOr<EngineResponse> r = engine.Call("GET", "/containers/json?all=1");
//   if (r->status == 200) … r->json.list_value() …
//   engine.Stream("GET", "/events?filters=…", [](absl::string_view chunk) { … return true; });
//   absl::StatusOr<HijackedStream> exec = engine.Hijack("/exec/<id>/start", body);
//
// Errors: Unavailable `<reason>` when the socket cannot be reached (the
// reason completes `docker runner unavailable: <reason>`, e.g. `cannot
// connect to /var/run/docker.sock: no such file or directory`); an engine
// answer ≥ 400 is returned as an EngineResponse (status + `message`), not as
// an error, so callers can map it (404 → not found, pull failures → the
// engine's message verbatim).
#ifndef RUNE_RUNED_RUNNER_DOCKER_ENGINE_CLIENT_H_
#define RUNE_RUNED_RUNNER_DOCKER_ENGINE_CLIENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"

namespace rune::daemon::docker {

struct EngineOptions {
  std::string socket = "/var/run/docker.sock";
  std::string api_version;                  // "" = negotiate through /_ping
  std::string fallback_api_version = "1.43";
  absl::Duration negotiation_timeout = absl::Seconds(3);
  absl::Duration request_timeout = absl::Seconds(60);  // unary calls (not pulls, streams)
};

struct EngineResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // The body parsed as JSON when the engine sent JSON (null_value otherwise).
  google::protobuf::Value json;
  // For status >= 400: the engine's `message` field (or the body's text).
  std::string message;
};

// A connection taken over after `101 UPGRADED` (or 200 for engines that do
// not upgrade): raw bytes in both directions. With Tty=false the engine
// multiplexes output in 8-byte-header frames (see DemuxFrames).
class HijackedStream {
 public:
  HijackedStream() = default;
  explicit HijackedStream(int fd, std::string already_read);
  HijackedStream(HijackedStream&& other) noexcept;
  HijackedStream& operator=(HijackedStream&& other) noexcept;
  ~HijackedStream();

  int fd() const { return fd_; }
  // Bytes the HTTP parser read past the response headers; consume first.
  std::string TakeBuffered() { return std::exchange(buffered_, std::string()); }
  // Half-closes the writing side (stdin EOF).
  void CloseWrite();

 private:
  int fd_ = -1;
  std::string buffered_;
};

// Splits the multiplexed stream of logs/attach/exec without a TTY: frames
// `[stream, 0, 0, 0, size(4, big-endian)] payload`; stream 1 = stdout,
// 2 = stderr. Keeps an incomplete frame for the next call.
class FrameDemuxer {
 public:
  // Appends `data`; calls `out(stream, payload)` for every complete frame.
  void Feed(absl::string_view data,
            const std::function<void(int stream, absl::string_view payload)>& out);

 private:
  std::string pending_;
};

class EngineClient {
 public:
  explicit EngineClient(EngineOptions options);

  // Picks the API version (SPEC §5.10): api_version when set; else
  // min(API-Version of /_ping, newest this client implements = 1.43);
  // fallback_api_version when the ping fails within negotiation_timeout;
  // below 1.41 → FailedPrecondition `engine API version <v> is older than
  // 1.41`. Unavailable when the socket cannot be reached.
  absl::Status Negotiate();
  // "1.41" once negotiated ("" before).
  std::string api_version() const;

  // One request; `path` without the version prefix ("/containers/json").
  // `json_body` non-null → Content-Type application/json. `headers` adds
  // request headers (X-Registry-Auth). `timeout` zero = options' default;
  // absl::InfiniteDuration() for pulls.
  absl::StatusOr<EngineResponse> Call(absl::string_view method, absl::string_view path,
                                      const google::protobuf::Value* json_body = nullptr,
                                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                                      absl::Duration timeout = absl::ZeroDuration());

  // A streamed body (logs?follow=1, events, images/create progress):
  // `on_chunk` gets the decoded body bytes as they arrive and returns false
  // to stop. Returns the response head (body empty) once the stream ends,
  // `cancel` is set (checked at least every 200 ms), or on_chunk said stop.
  // `headers` as for Call.
  absl::StatusOr<EngineResponse> Stream(absl::string_view method, absl::string_view path,
                                        const google::protobuf::Value* json_body,
                                        const std::function<bool(absl::string_view)>& on_chunk,
                                        const std::atomic<bool>* cancel = nullptr,
                                        const std::vector<std::pair<std::string, std::string>>& headers = {});

  // POST with `Connection: Upgrade` / `Upgrade: tcp`; the connection is
  // handed over once the engine answered 101 or 200. An answer ≥ 400 is an
  // error FailedPrecondition with the engine's message.
  absl::StatusOr<HijackedStream> Hijack(absl::string_view path, const google::protobuf::Value& json_body);

 private:
  EngineOptions options_;
  mutable absl::Mutex mu_;
  std::string version_ ABSL_GUARDED_BY(mu_);
};

// JSON helpers over google.protobuf.Value (protobuf's JSON parser).
absl::StatusOr<google::protobuf::Value> ParseJson(absl::string_view text);
// Values for request bodies: Str("x"), Num(1e9), Bool(true), an empty
// Object() to fill, List({"a", "b"}) of strings.
google::protobuf::Value Str(absl::string_view s);
google::protobuf::Value Num(double d);
google::protobuf::Value Bool(bool b);
google::protobuf::Value Object();
google::protobuf::Value List(const std::vector<std::string>& items);
// The field `key` of `object`, created (null) when absent.
google::protobuf::Value& At(google::protobuf::Value& object, const std::string& key);
std::string ToJson(const google::protobuf::Value& value);
// Field access that tolerates absence: Field(v, "State") returns a null Value.
const google::protobuf::Value& Field(const google::protobuf::Value& object, absl::string_view key);
std::string StringField(const google::protobuf::Value& object, absl::string_view key);
double NumberField(const google::protobuf::Value& object, absl::string_view key);
bool BoolField(const google::protobuf::Value& object, absl::string_view key);

}  // namespace rune::daemon::docker

#endif  // RUNE_RUNED_RUNNER_DOCKER_ENGINE_CLIENT_H_
