// The Docker runner against a fake engine: a small HTTP/1.1 server on a unix
// socket that answers the Engine API requests the runner makes (unary
// answers, chunked streams for pulls, logs and events). The real engine is
// exercised by //runed:docker_e2e_test (podman).
#include "runed/runner/docker/docker_runner.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "runed/logstore/log_file.h"

namespace rune::daemon::docker {
namespace {

using runner::ExitStatus;
using runner::InstanceKey;

struct Request {
  std::string method;
  std::string target;  // with the version prefix and query
  std::string body;
};

// What the fake answers: a body, or a chunked stream of `chunks` that stays
// open for pushed events while `hold` is set.
struct Reply {
  int status = 200;
  std::string body;
  bool stream = false;
  std::vector<std::string> chunks;
  bool hold = false;
};

class FakeEngine {
 public:
  using Handler = std::function<Reply(const Request&)>;

  explicit FakeEngine(Handler handler) : handler_(std::move(handler)) {
    // A short private directory: socket paths are limited to 107 bytes and
    // sandboxed runs of this test may share /tmp and their pid.
    char dir[] = "/tmp/rune-engine-XXXXXX";
    EXPECT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = absl::StrCat(dir_, "/engine.sock");
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listen_fd_, 64), 0);
    accept_ = std::thread([this] { AcceptLoop(); });
  }

  ~FakeEngine() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (int fd : clients_) shutdown(fd, SHUT_RDWR);
    }
    shutdown(listen_fd_, SHUT_RDWR);
    accept_.join();
    for (std::thread& t : workers_) t.join();
    close(listen_fd_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  const std::string& path() const { return path_; }

  // Sends one line to every open held stream (the events stream).
  void Push(const std::string& line) {
    absl::MutexLock lock(&mu_);
    pushed_.push_back(line + "\n");
  }

  std::vector<Request> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

  // The first request whose method and target (without version) start so.
  std::optional<Request> Find(const std::string& method, const std::string& prefix) {
    for (const Request& r : requests()) {
      if (r.method == method && absl::StrContains(r.target, prefix)) return r;
    }
    return std::nullopt;
  }

  int HeldStreams() {
    absl::MutexLock lock(&mu_);
    return held_;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        close(fd);
        return;
      }
      clients_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  static bool WriteAll(int fd, absl::string_view data) {
    while (!data.empty()) {
      const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  static bool Chunk(int fd, absl::string_view data) {
    return WriteAll(fd, absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n"));
  }

  void Serve(int fd) {
    std::string in;
    char buffer[4096];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      in.append(buffer, static_cast<size_t>(n));
    }
    Request r;
    std::vector<std::string> lines = absl::StrSplit(in.substr(0, head_end), "\r\n");
    std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
    r.method = first[0];
    r.target = first[1];
    size_t length = 0;
    for (const std::string& line : lines) {
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &length);
      }
    }
    r.body = in.substr(head_end + 4);
    while (r.body.size() < length) {
      const ssize_t n = read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      r.body.append(buffer, static_cast<size_t>(n));
    }
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(r);
    }
    Reply reply = handler_(r);
    if (!reply.stream) {
      WriteAll(fd, absl::StrCat("HTTP/1.1 ", reply.status, " X\r\nApi-Version: 1.41\r\n",
                                "Content-Type: application/json\r\nContent-Length: ", reply.body.size(),
                                "\r\n\r\n", reply.body));
      return;
    }
    WriteAll(fd, absl::StrCat("HTTP/1.1 ", reply.status,
                              " X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
    for (const std::string& c : reply.chunks) Chunk(fd, c);
    if (reply.hold) {
      size_t sent;
      {
        absl::MutexLock lock(&mu_);
        sent = pushed_.size();
        ++held_;
      }
      for (;;) {
        std::vector<std::string> lines_to_send;
        {
          absl::MutexLock lock(&mu_);
          std::pair<FakeEngine*, size_t*> arg(this, &sent);
          mu_.AwaitWithTimeout(absl::Condition(
                                   +[](std::pair<FakeEngine*, size_t*>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                     return a->first->stopping_ || a->first->pushed_.size() > *a->second;
                                   },
                                   &arg),
                               absl::Milliseconds(100));
          if (stopping_) break;
          for (; sent < pushed_.size(); ++sent) lines_to_send.push_back(pushed_[sent]);
        }
        for (const std::string& l : lines_to_send) {
          if (!Chunk(fd, l)) return;
        }
      }
      return;
    }
    WriteAll(fd, "0\r\n\r\n");
  }

  Handler handler_;
  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  std::thread accept_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<int> clients_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> pushed_ ABSL_GUARDED_BY(mu_);
  int held_ ABSL_GUARDED_BY(mu_) = 0;
};

// One log frame (stdout = 1, stderr = 2).
std::string Frame(int stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

Reply Json(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply Stream(std::vector<std::string> chunks, bool hold = false) {
  Reply r;
  r.stream = true;
  r.chunks = std::move(chunks);
  r.hold = hold;
  return r;
}

// The answers of a healthy engine with image `busybox:1` present and
// container c1 running (then exited with `exit_code` once `exited` is set).
struct World {
  absl::Mutex mu;
  bool image_present = true;
  bool exited = false;
  int exit_code = 3;
  std::string pull_error;
  std::string list = "[]";

  Reply Handle(const Request& r) {
    absl::MutexLock lock(&mu);
    const std::string& t = r.target;
    if (t == "/_ping") return Json(200, "OK");
    if (absl::StrContains(t, "/networks/rune")) return Json(200, "{\"Name\":\"rune\"}");
    if (absl::StrContains(t, "/images/") && absl::EndsWith(t, "/json")) {
      return image_present ? Json(200, "{\"Id\":\"sha256:1\"}") : Json(404, "{\"message\":\"no such image\"}");
    }
    if (absl::StrContains(t, "/images/create")) {
      if (!pull_error.empty()) {
        return Stream({"{\"status\":\"Pulling\"}\n", absl::StrCat("{\"error\":\"", pull_error, "\"}\n")});
      }
      image_present = true;
      return Stream({"{\"status\":\"Downloaded\"}\n"});
    }
    if (r.method == "DELETE") return Json(404, "{\"message\":\"no such container\"}");
    if (absl::StrContains(t, "/containers/create")) return Json(201, "{\"Id\":\"c1\",\"Warnings\":[]}");
    if (absl::StrContains(t, "/containers/c1/start")) return Json(204, "");
    if (absl::StrContains(t, "/containers/c1/stop")) {
      exited = true;
      exit_code = 143;
      return Json(204, "");
    }
    if (absl::StrContains(t, "/containers/json")) return Json(200, list);
    if (absl::StrContains(t, "/containers/c2/json")) {
      return Json(200, R"({"Id":"c2","State":{"Status":"running","Running":true,"Pid":77,
                           "StartedAt":"2026-11-26T08:00:00Z"}})");
    }
    if (absl::StrContains(t, "/containers/c3/json")) {
      return Json(200, R"({"Id":"c3","State":{"Status":"exited","ExitCode":0,
                           "FinishedAt":"2026-11-26T08:30:00Z"}})");
    }
    if (absl::StrContains(t, "/containers/c1/json")) {
      if (exited) {
        return Json(200, absl::StrCat(R"({"Id":"c1","State":{"Status":"exited","Running":false,"ExitCode":)",
                                      exit_code, R"(,"FinishedAt":"2026-11-26T09:00:00Z"}})"));
      }
      return Json(200, R"({"Id":"c1","State":{"Status":"running","Running":true,"Pid":4242,
                           "StartedAt":"2026-11-26T08:54:29.5Z"},
                           "NetworkSettings":{"Networks":{"rune":{"IPAddress":"10.89.0.7"}}}})");
    }
    if (absl::StrContains(t, "/logs")) {
      if (absl::StrContains(t, "/containers/c3/")) {
        return Stream({Frame(1, "2026-11-26T08:20:00Z stored\n"), Frame(1, "2026-11-26T08:29:59Z last words\n")});
      }
      return Stream({Frame(1, "2026-11-26T08:54:29.600000000Z hello\n"),
                     Frame(2, "2026-11-26T08:54:29.700000000Z oops\n")});
    }
    if (absl::StartsWith(t, "/v1.41/events")) return Stream({}, /*hold=*/true);
    return Json(404, "{\"message\":\"unexpected request\"}");
  }
};

class DockerRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/docker_runner_", counter_++);
    engine_ = std::make_unique<FakeEngine>([this](const Request& r) { return world_.Handle(r); });
    EngineOptions options;
    options.socket = engine_->path();
    options.negotiation_timeout = absl::Seconds(2);
    client_ = std::make_unique<EngineClient>(options);
    DockerRunnerOptions runner_options;
    runner_options.network = "rune";
    runner_options.log_path = [this](const InstanceKey& key) {
      return absl::StrCat(dir_, "/logs/", key.ns, "/", key.id, ".log");
    };
    runner_options.mounts_root = absl::StrCat(dir_, "/mounts");
    runner_ = std::make_unique<DockerRunner>(client_.get(), runner_options);
    runner_->SetExitCallback([this](const InstanceKey& key, const ExitStatus& s) {
      absl::MutexLock lock(&mu_);
      exits_.emplace_back(key, s);
    });
  }

  void TearDown() override {
    runner_.reset();
    client_.reset();
    engine_.reset();
  }

  runner::StartSpec Spec() {
    runner::StartSpec s;
    s.ns = "default";
    s.service = "web";
    s.service_id = "svc-1";
    s.id = "web-instance-0000abcd";
    s.name = "web-0";
    s.generation = 2;
    s.spec.set_image("busybox:1");
    s.env = {"A=1"};
    return s;
  }

  // Waits until `pred` holds (up to 10 s).
  template <typename Pred>
  bool Eventually(Pred pred) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (absl::Now() < until) {
      if (pred()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return pred();
  }

  std::vector<std::pair<InstanceKey, ExitStatus>> Exits() {
    absl::MutexLock lock(&mu_);
    return exits_;
  }

  static int counter_;
  std::string dir_;
  World world_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<EngineClient> client_;
  std::unique_ptr<DockerRunner> runner_;
  absl::Mutex mu_;
  std::vector<std::pair<InstanceKey, ExitStatus>> exits_ ABSL_GUARDED_BY(mu_);
};

int DockerRunnerTest::counter_ = 0;

TEST_F(DockerRunnerTest, StartCreatesStartsAndFollowsLogsAndExits) {
  ASSERT_TRUE(runner_->Connect().ok());
  EXPECT_TRUE(runner_->availability().available);
  absl::StatusOr<runner::Started> started = runner_->Start(Spec());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->pid, 4242);
  EXPECT_EQ(started->container_id, "c1");
  EXPECT_EQ(started->ip, "10.89.0.7");
  EXPECT_EQ(started->started_at, absl::FromUnixMillis(1795683269500));

  // Leftovers of an earlier run go first; the create names the container.
  std::optional<Request> removed = engine_->Find("DELETE", "/containers/rune.default.web-instance-0000abcd?force=1&v=1");
  EXPECT_TRUE(removed.has_value());
  std::optional<Request> create = engine_->Find("POST", "/containers/create?name=rune.default.web-instance-0000abcd");
  ASSERT_TRUE(create.has_value());
  absl::StatusOr<google::protobuf::Value> body = ParseJson(create->body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(StringField(*body, "Image"), "busybox:1");
  EXPECT_EQ(StringField(Field(*body, "Labels"), "rune.instance.id"), "web-instance-0000abcd");
  EXPECT_EQ(StringField(Field(*body, "Labels"), "rune.service.id"), "svc-1");
  EXPECT_FALSE(engine_->Find("POST", "/images/create").has_value());  // present: no pull

  // The log follower stores the engine's lines with their times and streams.
  const std::string log = absl::StrCat(dir_, "/logs/default/web-instance-0000abcd.log");
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::vector<logstore::LogRecord>> r = logstore::ReadLogFiles(log);
    return r.ok() && r->size() == 2;
  }));
  std::vector<logstore::LogRecord> records = *logstore::ReadLogFiles(log);
  EXPECT_EQ(records[0].content, "hello");
  EXPECT_EQ(records[0].unix_nanos, 1795683269600000000);
  EXPECT_EQ(records[1].content, "oops");
  EXPECT_EQ(records[1].stream, logstore::LogStream::kStderr);

  // A die event: the exit comes through the callback with its code.
  ASSERT_TRUE(Eventually([&] { return engine_->HeldStreams() > 0; }));
  {
    absl::MutexLock lock(&world_.mu);
    world_.exited = true;
  }
  engine_->Push(R"({"Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"exitCode":"3"}}})");
  ASSERT_TRUE(Eventually([&] { return !Exits().empty(); }));
  const auto [key, exit] = Exits()[0];
  EXPECT_EQ(key, (InstanceKey{"default", "web-instance-0000abcd"}));
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.message, "exit code 3");
  EXPECT_FALSE(exit.start_failed);

  // Gone: exec and kill say so; remove deletes the container.
  absl::StatusOr<std::unique_ptr<runner::ExecProcess>> exec = runner_->Exec(key, {{"true"}});
  ASSERT_FALSE(exec.ok());
  EXPECT_EQ(exec.status().message(), "instance \"default/web-instance-0000abcd\" is not running");
  const absl::Status removed_status = runner_->Remove(key);
  EXPECT_TRUE(removed_status.ok()) << removed_status;
}

TEST_F(DockerRunnerTest, StopWaitsForTheExit) {
  ASSERT_TRUE(runner_->Connect().ok());
  ASSERT_TRUE(runner_->Start(Spec()).ok());
  const InstanceKey key{"default", "web-instance-0000abcd"};
  // No die event arrives here: Stop asks the engine after the stop call.
  ASSERT_TRUE(runner_->Stop(key, absl::Seconds(1)).ok());
  std::optional<Request> stop = engine_->Find("POST", "/containers/c1/stop?t=1");
  EXPECT_TRUE(stop.has_value());
  ASSERT_TRUE(Eventually([&] { return !Exits().empty(); }));
  EXPECT_EQ(Exits()[0].second.message, "exit code 143");
}

TEST_F(DockerRunnerTest, PullFailureCarriesTheEngineMessage) {
  {
    absl::MutexLock lock(&world_.mu);
    world_.image_present = false;
    world_.pull_error = "pull access denied for busybox, repository does not exist";
  }
  ASSERT_TRUE(runner_->Connect().ok());
  absl::StatusOr<runner::Started> started = runner_->Start(Spec());
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(started.status().message(),
            "failed to pull image \"busybox:1\": pull access denied for busybox, repository does not exist");
  EXPECT_TRUE(engine_->Find("POST", "/images/create?fromImage=busybox&tag=1").has_value());
  EXPECT_FALSE(engine_->Find("POST", "/containers/create").has_value());
}

TEST_F(DockerRunnerTest, PullsAnAbsentImage) {
  {
    absl::MutexLock lock(&world_.mu);
    world_.image_present = false;
  }
  ASSERT_TRUE(runner_->Connect().ok());
  ASSERT_TRUE(runner_->Start(Spec()).ok());
  EXPECT_TRUE(engine_->Find("POST", "/images/create?fromImage=busybox&tag=1").has_value());
}

TEST_F(DockerRunnerTest, AdoptFindsRunningAndExitedContainers) {
  {
    absl::MutexLock lock(&world_.mu);
    world_.list = R"([
      {"Id":"c2","State":"running","Labels":{"rune.managed":"true","rune.namespace":"prod","rune.instance.id":"api-instance-00000002"}},
      {"Id":"c3","State":"exited","Labels":{"rune.managed":"true","rune.namespace":"prod","rune.instance.id":"api-instance-00000003"}},
      {"Id":"c4","State":"running","Labels":{"rune.managed":"true"}}
    ])";
  }
  // Lines of c3 stored before runed stopped: the catch-up adds only the rest.
  const std::string log3 = absl::StrCat(dir_, "/logs/prod/api-instance-00000003.log");
  {
    absl::StatusOr<std::unique_ptr<logstore::LogWriter>> w = logstore::LogWriter::Open(log3, 1 << 20);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(absl::FromUnixSeconds(1795681200), logstore::LogStream::kStdout, "stored").ok());
  }
  ASSERT_TRUE(runner_->Connect().ok());
  absl::StatusOr<std::vector<runner::Adopted>> adopted = runner_->Adopt();
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  ASSERT_EQ(adopted->size(), 2u);
  EXPECT_EQ((*adopted)[0].key, (InstanceKey{"prod", "api-instance-00000002"}));
  EXPECT_TRUE((*adopted)[0].alive);
  EXPECT_EQ((*adopted)[0].pid, 77);
  EXPECT_EQ((*adopted)[1].key, (InstanceKey{"prod", "api-instance-00000003"}));
  EXPECT_FALSE((*adopted)[1].alive);
  EXPECT_EQ((*adopted)[1].exit.exit_code, 0);
  EXPECT_EQ((*adopted)[1].exit.message, "exit code 0");
  absl::StatusOr<std::vector<logstore::LogRecord>> records = logstore::ReadLogFiles(log3);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].content, "stored");
  EXPECT_EQ((*records)[1].content, "last words");
  EXPECT_TRUE(engine_->Find("GET", "/containers/c3/logs?follow=0").has_value());
}

TEST(DockerRunnerUnavailable, MissingSocketIsTheReason) {
  EngineOptions options;
  options.socket = "/nonexistent/docker.sock";
  EngineClient client(options);
  DockerRunnerOptions runner_options;
  runner_options.retry_interval = absl::Milliseconds(100);
  DockerRunner runner(&client, runner_options);
  absl::Status s = runner.Connect();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "docker runner unavailable: cannot connect to /nonexistent/docker.sock: no such file or directory");
  const DockerRunner::Availability a = runner.availability();
  EXPECT_FALSE(a.available);
  EXPECT_EQ(a.reason, "cannot connect to /nonexistent/docker.sock: no such file or directory");
  runner::StartSpec spec;
  spec.ns = "default";
  spec.id = "web-instance-00000001";
  spec.spec.set_image("busybox");
  absl::StatusOr<runner::Started> started = runner.Start(spec);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(started.status().message(), s.message());
  EXPECT_FALSE(runner.Adopt().ok());
}

TEST(DockerRunnerUnavailable, TheRetryBringsItUpAndCallsBack) {
  World world;
  char dir[] = "/tmp/rune-engine-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = absl::StrCat(dir, "/engine.sock");  // nothing listens yet
  EngineOptions options;
  options.socket = path;
  EngineClient client(options);
  DockerRunnerOptions runner_options;
  runner_options.retry_interval = absl::Milliseconds(100);
  DockerRunner runner(&client, runner_options);
  std::atomic<int> calls{0};
  runner.SetAvailabilityCallback([&calls] { ++calls; });
  EXPECT_FALSE(runner.Connect().ok());
  EXPECT_EQ(runner.availability().reason, absl::StrCat("cannot connect to ", path, ": no such file or directory"));
  // A new fake, moved to the path the runner retries.
  FakeEngine again([&world](const Request& r) { return world.Handle(r); });
  ASSERT_EQ(rename(again.path().c_str(), path.c_str()), 0);
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (absl::Now() < until && calls.load() == 0) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(runner.availability().available);
  ASSERT_EQ(rename(path.c_str(), again.path().c_str()), 0);
  rmdir(dir);
}

}  // namespace
}  // namespace rune::daemon::docker
