#include "runed/runner/docker/docker_runner.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "runed/logging.h"
#include "runed/runner/docker/container_config.h"
#include "runed/runner/docker/container_exec.h"
#include "runed/runner/docker/container_state.h"

namespace rune::daemon::docker {
namespace {

using google::protobuf::Value;
using runner::ExitStatus;
using runner::InstanceKey;

// How long Stop waits for the engine's die event after the stop call.
constexpr absl::Duration kDieWait = absl::Seconds(10);
// Extra time the stop call gets beyond the grace period.
constexpr absl::Duration kStopSlack = absl::Seconds(30);
// How long Remove lets a stopped container's log stream end by itself.
constexpr absl::Duration kLogDrain = absl::Seconds(2);

std::string KeyText(const InstanceKey& key) { return absl::StrCat(key.ns, "/", key.id); }

absl::Status NotRunning(const InstanceKey& key) {
  return absl::FailedPreconditionError(
      absl::StrCat("instance \"", KeyText(key), "\" is not running"));
}

// An image reference in a path: '/', ':' and '@' stay as they are (the
// engine routes `/images/{name}/json` on the whole reference).
std::string ImagePath(absl::string_view image) {
  std::string out;
  for (char c : image) {
    if (c == '/' || c == ':' || c == '@') {
      out.push_back(c);
    } else {
      out += UrlEncode(absl::string_view(&c, 1));
    }
  }
  return out;
}

std::string LabelFilter() {
  return UrlEncode(absl::StrCat("{\"label\":[\"", kManagedLabel, "=true\"]}"));
}

ExitStatus Lost(absl::string_view why) {
  ExitStatus s;
  s.exit_code = -1;
  s.message = std::string(why);
  s.finished_at = absl::Now();
  return s;
}

// The container's address on `network` (or its only address).
std::string IpOf(const Value& inspect, const std::string& network) {
  const Value& settings = Field(inspect, "NetworkSettings");
  const Value& networks = Field(settings, "Networks");
  if (!network.empty()) {
    std::string ip = StringField(Field(networks, network), "IPAddress");
    if (!ip.empty()) return ip;
  }
  std::string ip = StringField(settings, "IPAddress");
  if (!ip.empty()) return ip;
  if (networks.kind_case() == Value::kStructValue) {
    for (const auto& [name, endpoint] : networks.struct_value().fields()) {
      ip = StringField(endpoint, "IPAddress");
      if (!ip.empty()) return ip;
    }
  }
  return "";
}

}  // namespace

DockerRunner::DockerRunner(EngineClient* engine, DockerRunnerOptions options)
    : engine_(engine), options_(std::move(options)), mounts_(options_.mounts_root) {
  notifier_ = std::thread([this] { NotifyLoop(); });
}

DockerRunner::~DockerRunner() {
  shutting_down_ = true;
  {
    absl::MutexLock lock(&mu_);
    kick_ = true;
  }
  if (monitor_.joinable()) monitor_.join();
  notifier_.join();
  absl::flat_hash_map<InstanceKey, std::unique_ptr<LogFollower>> followers;
  {
    absl::MutexLock lock(&followers_mu_);
    followers.swap(followers_);
  }
  followers.clear();  // cancels and joins each
}

absl::Status DockerRunner::Connect() {
  absl::Status s = TryConnect();
  if (!monitor_.joinable()) monitor_ = std::thread([this] { MonitorLoop(); });
  return s;
}

void DockerRunner::SetAvailabilityCallback(std::function<void()> callback) {
  absl::MutexLock calling(&calling_mu_);  // returns once no call is under way
  absl::MutexLock lock(&mu_);
  availability_callback_ = std::move(callback);
}

DockerRunner::Availability DockerRunner::availability() const {
  absl::MutexLock lock(&mu_);
  return {available_, available_ ? std::string() : reason_};
}

void DockerRunner::SetExitCallback(ExitCallback callback) {
  absl::MutexLock calling(&calling_mu_);
  absl::MutexLock lock(&mu_);
  callback_ = std::move(callback);
}

absl::Status DockerRunner::UnavailableError() const {
  absl::MutexLock lock(&mu_);
  return absl::UnavailableError(absl::StrCat(kUnavailablePrefix, reason_));
}

void DockerRunner::MarkUnavailable(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (available_ || !connected_once_ || reason_ != reason) {
    Log().Warn(absl::StrCat(kUnavailablePrefix, reason), {{"retry", "30s"}});
  }
  connected_once_ = true;
  available_ = false;
  reason_ = reason;
}

absl::StatusOr<EngineResponse> DockerRunner::Call(absl::string_view method, absl::string_view path,
                                                  const Value* body, absl::Duration timeout) {
  absl::StatusOr<EngineResponse> r = engine_->Call(method, path, body, {}, timeout);
  if (!r.ok() && absl::IsUnavailable(r.status())) {
    MarkUnavailable(std::string(r.status().message()));
    return UnavailableError();
  }
  return r;
}

absl::Status DockerRunner::TryConnect() {
  absl::Status s = engine_->Negotiate();
  if (s.ok()) {
    // With a configured API version nothing has touched the socket yet.
    absl::StatusOr<EngineResponse> ping = engine_->Call("GET", "/_ping");
    if (!ping.ok() && absl::IsUnavailable(ping.status())) s = ping.status();
  }
  if (s.ok()) s = EnsureNetwork();
  if (!s.ok()) {
    MarkUnavailable(std::string(s.message()));
    return absl::UnavailableError(absl::StrCat(kUnavailablePrefix, s.message()));
  }
  absl::MutexLock lock(&mu_);
  if (!available_) {
    Log().Info("docker runner connected",
               {{"api_version", engine_->api_version()}, {"network", options_.network}});
    notify_available_ = true;
  }
  connected_once_ = true;
  available_ = true;
  reason_.clear();
  return absl::OkStatus();
}

absl::Status DockerRunner::EnsureNetwork() {
  const std::string& network = options_.network;
  if (network.empty() || IsBuiltinNetwork(network)) return absl::OkStatus();
  absl::StatusOr<EngineResponse> found =
      engine_->Call("GET", absl::StrCat("/networks/", UrlEncode(network)));
  if (!found.ok()) return found.status();
  if (found->status == 200) return absl::OkStatus();
  Value body;
  auto& fields = *body.mutable_struct_value()->mutable_fields();
  fields["Name"].set_string_value(network);
  fields["CheckDuplicate"].set_bool_value(true);
  (*fields["Labels"].mutable_struct_value()->mutable_fields())[kManagedLabel].set_string_value("true");
  absl::StatusOr<EngineResponse> created = engine_->Call("POST", "/networks/create", &body);
  if (!created.ok()) return created.status();
  // 409: created meanwhile by someone else.
  if (created->status >= 400 && created->status != 409) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create network \"", network, "\": ", created->message));
  }
  return absl::OkStatus();
}

void DockerRunner::MonitorLoop() {
  while (!shutting_down_) {
    bool available;
    {
      absl::MutexLock lock(&mu_);
      available = available_;
    }
    if (!available) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&kick_), options_.retry_interval);
        kick_ = false;
      }
      if (shutting_down_) return;
      if (!TryConnect().ok()) continue;
    }
    // Events from a second before the check are replayed, so an exit
    // between the check and the stream is not missed.
    const absl::Time from = absl::Now() - absl::Seconds(1);
    CheckTracked();
    absl::Status s = FollowEvents(from);
    if (shutting_down_) return;
    if (!s.ok()) Log().Debug(absl::StrCat("docker events: ", s.message()));
    // The stream ended or dropped: follow again while the engine answers.
    if (!TryConnect().ok()) continue;
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&kick_), absl::Seconds(1));
    kick_ = false;
  }
}

absl::Status DockerRunner::FollowEvents(absl::Time since) {
  const std::string filters = UrlEncode(
      absl::StrCat("{\"type\":[\"container\"],\"label\":[\"", kManagedLabel, "=true\"]}"));
  const std::string path =
      absl::StrCat("/events?since=", absl::ToUnixSeconds(since), "&filters=", filters);
  std::string pending;
  absl::StatusOr<EngineResponse> r = engine_->Stream(
      "GET", path, nullptr,
      [&](absl::string_view chunk) {
        pending.append(chunk.data(), chunk.size());
        size_t start = 0;
        for (size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
          OnEvent(absl::string_view(pending).substr(start, nl - start));
          start = nl + 1;
        }
        pending.erase(0, start);
        return !shutting_down_.load();
      },
      &shutting_down_);
  if (!r.ok()) return r.status();
  if (r->status >= 400) return absl::UnavailableError(r->message);
  return absl::OkStatus();
}

void DockerRunner::OnEvent(absl::string_view line) {
  if (absl::StripAsciiWhitespace(line).empty()) return;
  absl::StatusOr<Value> event = ParseJson(line);
  if (!event.ok()) return;
  std::string action = StringField(*event, "Action");
  if (action.empty()) action = StringField(*event, "status");
  // die (exits, kills, stops); oom is always followed by die.
  if (action != "die") return;
  std::string id = StringField(Field(*event, "Actor"), "ID");
  if (id.empty()) id = StringField(*event, "id");
  std::shared_ptr<Container> c;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    c = it->second;
  }
  // The engine may record the state a moment after it sends the event.
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (EndIfStopped(c)) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
  // No usable inspect: the event's own exit code.
  const std::string code = StringField(Field(Field(*event, "Actor"), "Attributes"), "exitCode");
  int exit_code = 0;
  if (!absl::SimpleAtoi(code, &exit_code)) return;
  ExitStatus s;
  s.exit_code = exit_code;
  s.message = absl::StrCat("exit code ", exit_code);
  s.finished_at = absl::Now();
  Ended(c, s);
}

void DockerRunner::CheckTracked() {
  std::vector<std::shared_ptr<Container>> all;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, c] : by_id_) all.push_back(c);
  }
  for (const auto& c : all) EndIfStopped(c);
}

bool DockerRunner::EndIfStopped(const std::shared_ptr<Container>& c) {
  absl::StatusOr<EngineResponse> r = Call("GET", absl::StrCat("/containers/", c->id, "/json"));
  if (!r.ok()) return false;
  if (r->status == 404) {
    Ended(c, Lost("container removed outside runed"));
    return true;
  }
  if (r->status != 200) return false;
  const Value& state = Field(r->json, "State");
  const ContainerPhase phase = PhaseOf(state);
  // Created, not started yet: Start is still at work on it.
  if (phase == ContainerPhase::kRunning || phase == ContainerPhase::kStarting) return false;
  Ended(c, ExitOf(state));
  return true;
}

void DockerRunner::Track(std::shared_ptr<Container> c) {
  absl::MutexLock lock(&mu_);
  by_key_[c->key] = c;
  by_id_[c->id] = std::move(c);
}

void DockerRunner::Ended(const std::shared_ptr<Container>& c, ExitStatus status) {
  absl::MutexLock lock(&mu_);
  if (c->ended) return;
  c->ended = true;
  auto k = by_key_.find(c->key);
  if (k != by_key_.end() && k->second == c) by_key_.erase(k);
  auto i = by_id_.find(c->id);
  if (i != by_id_.end() && i->second == c) by_id_.erase(i);
  exits_.emplace_back(c->key, std::move(status));
}

void DockerRunner::NotifyLoop() {
  for (;;) {
    std::vector<std::pair<InstanceKey, ExitStatus>> exits;
    ExitCallback callback;
    std::function<void()> on_available;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](DockerRunner* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->shutting_down_.load() || !self->exits_.empty() || self->notify_available_;
          },
          this));
      if (shutting_down_) return;
      exits.assign(exits_.begin(), exits_.end());
      exits_.clear();
      callback = callback_;
      if (notify_available_) on_available = availability_callback_;
      notify_available_ = false;
    }
    absl::MutexLock calling(&calling_mu_);
    for (const auto& [key, status] : exits) {
      if (callback) callback(key, status);
    }
    if (on_available) on_available();
  }
}

std::string DockerRunner::LogPath(const InstanceKey& key) const {
  return options_.log_path ? options_.log_path(key) : std::string();
}

void DockerRunner::StartFollower(const InstanceKey& key, const std::string& id, bool resume) {
  const std::string path = LogPath(key);
  if (path.empty()) return;
  auto follower = std::make_unique<LogFollower>(engine_, id, path, options_.log_max_bytes, resume);
  follower->Start();
  std::unique_ptr<LogFollower> previous;
  {
    absl::MutexLock lock(&followers_mu_);
    previous = std::exchange(followers_[key], std::move(follower));
  }
  if (previous != nullptr) previous->Finish(absl::ZeroDuration());
}

void DockerRunner::FinishFollower(const InstanceKey& key, absl::Duration grace) {
  std::unique_ptr<LogFollower> follower;
  {
    absl::MutexLock lock(&followers_mu_);
    auto it = followers_.find(key);
    if (it == followers_.end()) return;
    follower = std::move(it->second);
    followers_.erase(it);
  }
  follower->Finish(grace);
}

absl::Status DockerRunner::RemoveContainer(const std::string& name_or_id) {
  absl::StatusOr<EngineResponse> r =
      Call("DELETE", absl::StrCat("/containers/", name_or_id, "?force=1&v=1"));
  if (!r.ok()) return r.status();
  if (r->status < 300 || r->status == 404 || r->status == 409) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("cannot remove container ", name_or_id, ": ", r->message));
}

absl::Status DockerRunner::EnsureImage(const std::string& image) {
  const std::string inspect = absl::StrCat("/images/", ImagePath(image), "/json");
  absl::StatusOr<EngineResponse> found = Call("GET", inspect);
  if (!found.ok()) return found.status();
  if (found->status == 200) return absl::OkStatus();

  // Absent locally: pull, with the credentials of the registry entry that
  // serves the image's host. Progress is a stream of JSON lines; a failure
  // is a line with "error" (the HTTP status may still be 200).
  std::vector<std::pair<std::string, std::string>> headers;
  if (options_.pull_auth) {
    absl::StatusOr<std::string> auth = options_.pull_auth(image);
    if (!auth.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("failed to pull image \"", image, "\": ", auth.status().message()));
    }
    if (!auth->empty()) headers.emplace_back("X-Registry-Auth", *std::move(auth));
  }
  std::string pending, error;
  auto scan = [&](absl::string_view text) {
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      absl::StatusOr<Value> v = ParseJson(line);
      if (!v.ok()) continue;
      std::string message = StringField(*v, "error");
      if (message.empty()) message = StringField(Field(*v, "errorDetail"), "message");
      if (!message.empty()) error = message;
    }
  };
  absl::StatusOr<EngineResponse> pulled = engine_->Stream(
      "POST", absl::StrCat("/images/create?", PullQuery(image)), nullptr,
      [&](absl::string_view chunk) {
        pending.append(chunk.data(), chunk.size());
        const size_t nl = pending.rfind('\n');
        if (nl != std::string::npos) {
          scan(absl::string_view(pending).substr(0, nl));
          pending.erase(0, nl + 1);
        }
        return true;
      },
      &shutting_down_, headers);
  if (!pulled.ok()) {
    if (absl::IsUnavailable(pulled.status())) {
      MarkUnavailable(std::string(pulled.status().message()));
      return UnavailableError();
    }
    return absl::FailedPreconditionError(
        absl::StrCat("failed to pull image \"", image, "\": ", pulled.status().message()));
  }
  scan(pending);
  if (pulled->status >= 400) error = pulled->message;
  if (!error.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("failed to pull image \"", image, "\": ", error));
  }
  found = Call("GET", inspect);
  if (!found.ok()) return found.status();
  if (found->status != 200) {
    return absl::FailedPreconditionError(absl::StrCat(
        "failed to pull image \"", image, "\": the engine reported no error but has no such image"));
  }
  return absl::OkStatus();
}

absl::StatusOr<runner::Started> DockerRunner::Start(const runner::StartSpec& spec) {
  const InstanceKey key{spec.ns, spec.id};
  {
    absl::MutexLock lock(&mu_);
    if (!available_) return absl::UnavailableError(absl::StrCat(kUnavailablePrefix, reason_));
    if (by_key_.contains(key)) {
      return absl::FailedPreconditionError(
          absl::StrCat("instance \"", KeyText(key), "\" is already running"));
    }
  }
  FinishFollower(key, absl::ZeroDuration());
  const std::string name = ContainerName(key);
  // A restart keeps the instance ID: the previous container goes first.
  if (absl::Status s = RemoveContainer(name); !s.ok()) return s;
  if (absl::Status s = EnsureImage(spec.spec.image()); !s.ok()) return s;

  ContainerOptions container;
  container.network = options_.network;
  absl::StatusOr<std::vector<std::string>> binds = mounts_.Write(spec.id, spec.mounts, spec.spec);
  if (!binds.ok()) return binds.status();
  container.binds = *std::move(binds);
  auto fail = [&](absl::Status s) {
    (void)mounts_.Remove(spec.id);
    return s;
  };
  absl::StatusOr<Value> body = CreateBody(spec, container);
  if (!body.ok()) return fail(body.status());
  absl::StatusOr<EngineResponse> created =
      Call("POST", absl::StrCat("/containers/create?name=", UrlEncode(name)), &*body);
  if (!created.ok()) return fail(created.status());
  if (created->status >= 400) {
    return fail(absl::FailedPreconditionError(
        absl::StrCat("failed to create container: ", created->message)));
  }
  auto c = std::make_shared<Container>();
  c->key = key;
  c->id = StringField(created->json, "Id");
  if (c->id.empty()) c->id = name;
  // Tracked before it starts, so that its die event finds it.
  Track(c);
  auto untrack = [&](absl::Status s) {
    {
      absl::MutexLock lock(&mu_);
      c->ended = true;
      if (by_key_[key] == c) by_key_.erase(key);
      by_id_.erase(c->id);
    }
    (void)RemoveContainer(c->id);
    return fail(std::move(s));
  };
  absl::StatusOr<EngineResponse> started = Call("POST", absl::StrCat("/containers/", c->id, "/start"));
  if (!started.ok()) return untrack(started.status());
  if (started->status >= 400) {
    return untrack(absl::FailedPreconditionError(
        absl::StrCat("failed to start container: ", started->message)));
  }
  absl::StatusOr<EngineResponse> inspect = Call("GET", absl::StrCat("/containers/", c->id, "/json"));
  runner::Started result;
  result.container_id = c->id;
  result.started_at = absl::Now();
  StartFollower(key, c->id, /*resume=*/false);
  if (inspect.ok() && inspect->status == 200) {
    const Value& state = Field(inspect->json, "State");
    result.pid = static_cast<int64_t>(NumberField(state, "Pid"));
    const absl::Time at = ParseEngineTime(StringField(state, "StartedAt"));
    if (at != absl::InfinitePast()) result.started_at = at;
    result.ip = IpOf(inspect->json, options_.network);
    const ContainerPhase phase = PhaseOf(state);
    if (phase != ContainerPhase::kRunning && phase != ContainerPhase::kStarting) {
      Ended(c, ExitOf(state));  // it already exited; reported through the callback
    }
  }
  return result;
}

absl::Status DockerRunner::Stop(const InstanceKey& key, absl::Duration grace) {
  std::shared_ptr<Container> c;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return absl::OkStatus();
    c = it->second;
  }
  const int64_t seconds = std::max<int64_t>(0, absl::ToInt64Seconds(absl::Ceil(grace, absl::Seconds(1))));
  absl::StatusOr<EngineResponse> r = Call(
      "POST", absl::StrCat("/containers/", c->id, "/stop?t=", seconds), nullptr, grace + kStopSlack);
  if (!r.ok() && absl::IsUnavailable(r.status())) return r.status();
  if (r.ok() && r->status == 404) Ended(c, Lost("container removed outside runed"));
  // The die event ends it; without one (the events stream may be down) the
  // engine is asked every second.
  const absl::Time until = absl::Now() + kDieWait;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&c->ended), absl::Seconds(1))) return absl::OkStatus();
    }
    if (EndIfStopped(c)) return absl::OkStatus();
    if (absl::Now() >= until) break;
  }
  if (r.ok() && r->status >= 400 && r->status != 304) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot stop instance \"", KeyText(key), "\": ", r->message));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("instance \"", KeyText(key), "\" did not stop within ",
                   absl::FormatDuration(grace + kStopSlack + kDieWait)));
}

absl::Status DockerRunner::Kill(const InstanceKey& key, int sig) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return NotRunning(key);
    id = it->second->id;
  }
  absl::StatusOr<EngineResponse> r =
      Call("POST", absl::StrCat("/containers/", id, "/kill?signal=", sig));
  if (!r.ok()) return r.status();
  if (r->status == 404 || r->status == 409) return NotRunning(key);
  if (r->status >= 400) return absl::FailedPreconditionError(r->message);
  return absl::OkStatus();
}

absl::Status DockerRunner::Remove(const InstanceKey& key) {
  {
    absl::MutexLock lock(&mu_);
    if (by_key_.contains(key)) {
      return absl::FailedPreconditionError(
          absl::StrCat("instance \"", KeyText(key), "\" is still running"));
    }
  }
  FinishFollower(key, kLogDrain);
  absl::Status s = RemoveContainer(ContainerName(key));
  absl::Status m = mounts_.Remove(key.id);
  return s.ok() ? m : s;
}

absl::StatusOr<std::vector<runner::Adopted>> DockerRunner::Adopt() {
  {
    absl::MutexLock lock(&mu_);
    if (!available_) return absl::UnavailableError(absl::StrCat(kUnavailablePrefix, reason_));
  }
  absl::StatusOr<EngineResponse> listed =
      Call("GET", absl::StrCat("/containers/json?all=1&filters=", LabelFilter()));
  if (!listed.ok()) return listed.status();
  if (listed->status >= 400) {
    return absl::InternalError(absl::StrCat("cannot list containers: ", listed->message));
  }
  std::vector<runner::Adopted> out;
  for (const Value& item : listed->json.list_value().values()) {
    const Value& labels = Field(item, "Labels");
    const InstanceKey key{StringField(labels, kNamespaceLabel), StringField(labels, kInstanceIdLabel)};
    const std::string id = StringField(item, "Id");
    if (key.ns.empty() || key.id.empty() || id.empty()) continue;
    {
      absl::MutexLock lock(&mu_);
      if (by_key_.contains(key)) continue;
    }
    absl::StatusOr<EngineResponse> inspect = Call("GET", absl::StrCat("/containers/", id, "/json"));
    if (!inspect.ok()) return inspect.status();
    if (inspect->status != 200) continue;  // removed meanwhile
    const Value& state = Field(inspect->json, "State");
    runner::Adopted a;
    a.key = key;
    a.pid = static_cast<int64_t>(NumberField(state, "Pid"));
    a.started_at = ParseEngineTime(StringField(state, "StartedAt"));
    if (PhaseOf(state) == ContainerPhase::kRunning) {
      a.alive = true;
      auto c = std::make_shared<Container>();
      c->key = key;
      c->id = id;
      Track(c);
      StartFollower(key, id, /*resume=*/true);
      // An exit between the listing and the tracking has no event left.
      EndIfStopped(c);
    } else {
      a.exit = ExitOf(state);
      const std::string path = LogPath(key);
      if (!path.empty()) {
        absl::Status s = CatchUp(engine_, id, path, options_.log_max_bytes);
        if (!s.ok()) Log().Warn(absl::StrCat("container logs: ", s.message()), {{"instance", key.id}});
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<runner::ExecProcess>> DockerRunner::Exec(const InstanceKey& key,
                                                                        const runner::ExecSpec& spec) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return NotRunning(key);
    id = it->second->id;
  }
  absl::StatusOr<std::unique_ptr<runner::ExecProcess>> process = StartContainerExec(engine_, id, spec);
  if (!process.ok()) {
    if (absl::IsNotFound(process.status())) return NotRunning(key);
    if (absl::IsUnavailable(process.status())) {
      MarkUnavailable(std::string(process.status().message()));
      return UnavailableError();
    }
  }
  return process;
}

}  // namespace rune::daemon::docker
