#include "runed/runner/docker/engine_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rune::daemon::docker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// One request as the fake engine received it.
struct Received {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

std::string TestTmp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

// A directory for sockets: TEST_TMPDIR itself, or a short link to it in
// /tmp when its path would not fit a unix socket address (108 bytes).
class SocketDir {
 public:
  SocketDir() {
    dir_ = TestTmp();
    if (dir_.size() > 80) {
      char short_dir[] = "/tmp/rune-engine.XXXXXX";
      if (mkdtemp(short_dir) == nullptr) {
        ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
        return;
      }
      short_dir_ = short_dir;
      const std::string link = short_dir_ + "/d";
      if (symlink(dir_.c_str(), link.c_str()) != 0) ADD_FAILURE() << "symlink " << link << ": " << std::strerror(errno);
      dir_ = link;
    }
  }
  ~SocketDir() {
    if (short_dir_.empty()) return;
    unlink((short_dir_ + "/d").c_str());
    rmdir(short_dir_.c_str());
  }
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
  std::string short_dir_;
};

void Send(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Appends what one read(2) returns; false on EOF, error or timeout.
bool ReadMore(int fd, std::string& buffer, absl::Duration timeout = absl::Seconds(5)) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) return false;
  char chunk[4096];
  const ssize_t n = read(fd, chunk, sizeof(chunk));
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}

// Reads one request (head + Content-Length body); false on EOF.
bool ReadRequest(int fd, Received& out) {
  std::string buffer;
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(fd, buffer)) return false;
  }
  std::vector<std::string> lines = absl::StrSplit(buffer.substr(0, head_end), "\r\n");
  std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
  if (request_line.size() != 3) return false;
  out.method = request_line[0];
  out.target = request_line[1];
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) return false;
    out.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  size_t length = 0;
  if (out.headers.count("content-length") && !absl::SimpleAtoi(out.headers["content-length"], &length)) return false;
  out.body = buffer.substr(head_end + 4);
  while (out.body.size() < length) {
    if (!ReadMore(fd, out.body)) return false;
  }
  return true;
}

// A scripted Docker engine on a unix socket: each accepted connection gets
// its request read and recorded, then is handed to the next handler.
class FakeEngine {
 public:
  using Handler = std::function<void(int fd, const Received& request)>;

  FakeEngine() {
    static int counter = 0;
    path_ = absl::StrCat(dir_.path(), "/engine-", counter++, ".sock");
    unlink(path_.c_str());
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(listener_, 16) != 0) {
      ADD_FAILURE() << "cannot listen on " << path_ << ": " << std::strerror(errno);
    }
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeEngine() {
    stop_.Notify();
    thread_.join();
    close(listener_);
    unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }
  void Then(Handler handler) {
    absl::MutexLock lock(&mu_);
    handlers_.push_back(std::move(handler));
  }
  std::vector<Received> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  int connections() {
    absl::MutexLock lock(&mu_);
    return connections_;
  }
  // Lets a handler that hangs end when the test is over.
  bool WaitForStop(absl::Duration limit) { return stop_.WaitForNotificationWithTimeout(limit); }

 private:
  void Serve() {
    while (!stop_.HasBeenNotified()) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      Received request;
      Handler handler;
      {
        absl::MutexLock lock(&mu_);
        ++connections_;
      }
      if (ReadRequest(fd, request)) {
        absl::MutexLock lock(&mu_);
        received_.push_back(request);
        if (!handlers_.empty()) {
          handler = std::move(handlers_.front());
          handlers_.pop_front();
        }
      }
      if (handler) handler(fd, request);
      close(fd);
    }
  }

  SocketDir dir_;
  std::string path_;
  int listener_ = -1;
  absl::Notification stop_;
  std::thread thread_;
  absl::Mutex mu_;
  std::deque<Handler> handlers_ ABSL_GUARDED_BY(mu_);
  std::vector<Received> received_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
};

FakeEngine::Handler Reply(std::string text) {
  return [text = std::move(text)](int fd, const Received&) { Send(fd, text); };
}

std::string JsonReply(int status, absl::string_view reason, absl::string_view json) {
  return absl::StrCat("HTTP/1.1 ", status, " ", reason, "\r\nContent-Type: application/json\r\n",
                      "Content-Length: ", json.size(), "\r\n\r\n", json);
}

std::string PingReply(absl::string_view version) {
  return absl::StrCat("HTTP/1.1 200 OK\r\nApi-Version: ", version,
                      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nOK");
}

EngineOptions OptionsFor(const FakeEngine& engine, absl::string_view version = "1.43") {
  EngineOptions options;
  options.socket = engine.path();
  options.api_version = std::string(version);
  options.negotiation_timeout = absl::Milliseconds(500);
  options.request_timeout = absl::Seconds(5);
  return options;
}

google::protobuf::Value Json(absl::string_view text) {
  absl::StatusOr<google::protobuf::Value> value = ParseJson(text);
  if (!value.ok()) {
    ADD_FAILURE() << value.status();
    return google::protobuf::Value();
  }
  return *value;
}

TEST(EngineClient, CallReadsAFixedLengthJsonAnswer) {
  FakeEngine engine;
  engine.Then(Reply(JsonReply(200, "OK", R"([{"Id":"a1","Names":["/x"]},{"Id":"b2"}])" "\n")));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_EQ(engine.connections(), 0);  // api_version set: no ping
  EXPECT_EQ(client.api_version(), "1.43");

  absl::StatusOr<EngineResponse> r = client.Call("GET", "/containers/json?all=1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-type"], "application/json");
  ASSERT_EQ(r->json.list_value().values_size(), 2);
  EXPECT_EQ(StringField(r->json.list_value().values(0), "Id"), "a1");
  EXPECT_EQ(StringField(r->json.list_value().values(1), "Id"), "b2");
  EXPECT_TRUE(r->message.empty());

  std::vector<Received> got = engine.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[0].target, "/v1.43/containers/json?all=1");
  EXPECT_FALSE(got[0].headers["host"].empty());
  EXPECT_EQ(got[0].headers.count("content-type"), 0u);
}

TEST(EngineClient, CallSendsAJsonBodyAndHeaders) {
  FakeEngine engine;
  engine.Then(Reply(JsonReply(201, "Created", R"({"Id":"c0ffee","Warnings":[]})")));
  EngineClient client(OptionsFor(engine, "1.41"));
  ASSERT_TRUE(client.Negotiate().ok());
  google::protobuf::Value body = Json(R"({"Image":"busybox","Cmd":["sh","-c","echo hi"],"Tty":false})");
  absl::StatusOr<EngineResponse> r =
      client.Call("POST", "/containers/create?name=rune.default.i1", &body, {{"X-Registry-Auth", "e30="}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(StringField(r->json, "Id"), "c0ffee");

  std::vector<Received> got = engine.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/v1.41/containers/create?name=rune.default.i1");
  EXPECT_EQ(got[0].headers["content-type"], "application/json");
  EXPECT_EQ(got[0].headers["x-registry-auth"], "e30=");
  EXPECT_EQ(got[0].headers["content-length"], absl::StrCat(got[0].body.size()));
  google::protobuf::Value sent = Json(got[0].body);
  EXPECT_EQ(StringField(sent, "Image"), "busybox");
  EXPECT_EQ(Field(sent, "Cmd").list_value().values(2).string_value(), "echo hi");
  EXPECT_FALSE(BoolField(sent, "Tty"));
}

TEST(EngineClient, PostWithoutBodySendsAnEmptyLengthAndReads204) {
  FakeEngine engine;
  engine.Then(Reply("HTTP/1.1 204 No Content\r\n\r\n"));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<EngineResponse> r = client.Call("POST", "/containers/abc/start");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 204);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(r->json.kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(engine.received()[0].headers["content-length"], "0");
}

TEST(EngineClient, CallDecodesAChunkedBodySplitAcrossWrites) {
  FakeEngine engine;
  engine.Then([](int fd, const Received&) {
    const std::vector<std::string> pieces = {
        "HTTP/1.1 200 OK\r\nContent-Type: appli", "cation/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        "7\r\n{\"Os\":\"\r", "\n", "d\r\nlinux\",\"Arch\"\r\n", "1", "1\r\n:\"amd64\",\"Ver\":1}\r\n", "0\r\n\r\n"};
    for (const std::string& piece : pieces) {
      Send(fd, piece);
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<EngineResponse> r = client.Call("GET", "/version");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, R"({"Os":"linux","Arch":"amd64","Ver":1})");
  EXPECT_EQ(StringField(r->json, "Os"), "linux");
  EXPECT_EQ(StringField(r->json, "Arch"), "amd64");
  EXPECT_EQ(NumberField(r->json, "Ver"), 1);
}

TEST(EngineClient, CallReadsABodyThatEndsWithTheConnection) {
  FakeEngine engine;
  engine.Then(Reply("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nall of it"));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<EngineResponse> r = client.Call("GET", "/info");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "all of it");
  EXPECT_EQ(r->json.kind_case(), google::protobuf::Value::kNullValue);
}

TEST(EngineClient, EngineErrorsAreResponsesWithTheMessage) {
  FakeEngine engine;
  engine.Then(Reply(JsonReply(404, "Not Found", R"({"message":"No such container: abc"})" "\n")));
  engine.Then(Reply("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n"
                    "disk full \r\n"));
  engine.Then(Reply("HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n"));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());

  absl::StatusOr<EngineResponse> r = client.Call("GET", "/containers/abc/json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->message, "No such container: abc");

  r = client.Call("DELETE", "/containers/abc?force=1&v=1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->message, "disk full");

  r = client.Call("POST", "/containers/abc/kill");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->message, "conflict");
}

TEST(EngineClient, AnEngineThatNeverAnswersTimesOut) {
  FakeEngine engine;
  engine.Then([&engine](int, const Received&) { engine.WaitForStop(absl::Seconds(30)); });
  EngineOptions options = OptionsFor(engine);
  options.request_timeout = absl::Milliseconds(300);
  EngineClient client(options);
  ASSERT_TRUE(client.Negotiate().ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<EngineResponse> r = client.Call("GET", "/containers/json");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("GET /v1.43/containers/json"));
}

TEST(EngineClient, AnExplicitTimeoutOverridesTheDefault) {
  FakeEngine engine;
  engine.Then([&engine](int, const Received&) { engine.WaitForStop(absl::Seconds(30)); });
  EngineClient client(OptionsFor(engine));  // default 5 s
  ASSERT_TRUE(client.Negotiate().ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<EngineResponse> r = client.Call("GET", "/info", nullptr, {}, absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
}

TEST(EngineClient, ATruncatedAnswerIsAnError) {
  FakeEngine engine;
  engine.Then(Reply("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"Id\""));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<EngineResponse> r = client.Call("GET", "/containers/abc/json");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST(EngineClient, AMalformedAnswerIsAnError) {
  FakeEngine engine;
  engine.Then(Reply("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<EngineResponse> r = client.Call("GET", "/version");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("malformed answer"));
}

TEST(EngineClient, RequestPathsAndHeadersCannotSmuggleLines) {
  FakeEngine engine;
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_EQ(client.Call("GET", "/containers/a b/json").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Call("GET", "/x", nullptr, {{"X-A", "1\r\nX-B: 2"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.connections(), 0);
}

TEST(EngineClient, AMissingSocketIsUnavailable) {
  SocketDir dir;
  const std::string path = absl::StrCat(dir.path(), "/missing/docker.sock");
  EngineOptions options;
  options.socket = path;
  EngineClient client(options);
  absl::Status negotiated = client.Negotiate();
  EXPECT_EQ(negotiated.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(negotiated.message(), absl::StrCat("cannot connect to ", path, ": no such file or directory"));

  options.api_version = "1.43";
  EngineClient pinned(options);
  ASSERT_TRUE(pinned.Negotiate().ok());
  absl::StatusOr<EngineResponse> r = pinned.Call("GET", "/version");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), absl::StrCat("cannot connect to ", path, ": no such file or directory"));
  std::atomic<bool> cancel{false};
  EXPECT_EQ(pinned.Stream("GET", "/events", nullptr, [](absl::string_view) { return true; }, &cancel)
                .status()
                .message(),
            absl::StrCat("cannot connect to ", path, ": no such file or directory"));
  EXPECT_EQ(pinned.Hijack("/exec/x/start", Json("{}")).status().code(), absl::StatusCode::kUnavailable);
}

TEST(EngineClient, ASocketPathTooLongForAnAddressIsUnavailable) {
  const std::string path = absl::StrCat("/tmp/", std::string(120, 'd'), "/docker.sock");
  EngineOptions options;
  options.socket = path;
  absl::Status negotiated = EngineClient(options).Negotiate();
  EXPECT_EQ(negotiated.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(negotiated.message(), absl::StrCat("cannot connect to ", path, ": file name too long"));
}

TEST(EngineClient, ASocketNobodyListensOnIsRefused) {
  SocketDir dir;
  const std::string path = absl::StrCat(dir.path(), "/stale.sock");
  unlink(path.c_str());
  // A socket file whose server is gone.
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  EngineOptions options;
  options.socket = path;
  absl::Status negotiated = EngineClient(options).Negotiate();
  EXPECT_EQ(negotiated.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(negotiated.message(), absl::StrCat("cannot connect to ", path, ": connection refused"));
}

// --- Negotiation -------------------------------------------------------------

TEST(EngineClientNegotiate, PicksTheEnginesVersionWhenOlder) {
  FakeEngine engine;
  engine.Then(Reply(PingReply("1.41")));
  engine.Then(Reply(JsonReply(200, "OK", "{}")));
  EngineClient client(OptionsFor(engine, ""));
  EXPECT_EQ(client.api_version(), "");
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_EQ(client.api_version(), "1.41");
  ASSERT_TRUE(client.Call("GET", "/version").ok());
  std::vector<Received> got = engine.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[0].target, "/_ping");
  EXPECT_EQ(got[1].target, "/v1.41/version");
}

TEST(EngineClientNegotiate, CapsANewerEngineAtTheNewestImplementedVersion) {
  FakeEngine engine;
  engine.Then(Reply(PingReply("1.45")));
  EngineClient client(OptionsFor(engine, ""));
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_EQ(client.api_version(), "1.43");
}

TEST(EngineClientNegotiate, FallsBackWhenThePingHangs) {
  FakeEngine engine;
  engine.Then([&engine](int, const Received&) { engine.WaitForStop(absl::Seconds(30)); });
  EngineOptions options = OptionsFor(engine, "");
  options.negotiation_timeout = absl::Milliseconds(300);
  options.fallback_api_version = "1.42";
  EngineClient client(options);
  const absl::Time start = absl::Now();
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(client.api_version(), "1.42");
}

TEST(EngineClientNegotiate, FallsBackWhenThePingFailsOrHasNoVersion) {
  FakeEngine engine;
  engine.Then(Reply("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"));
  engine.Then(Reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  EngineClient failing(OptionsFor(engine, ""));
  ASSERT_TRUE(failing.Negotiate().ok());
  EXPECT_EQ(failing.api_version(), "1.43");
  EngineOptions options = OptionsFor(engine, "");
  options.fallback_api_version = "1.41";
  EngineClient no_header(options);
  ASSERT_TRUE(no_header.Negotiate().ok());
  EXPECT_EQ(no_header.api_version(), "1.41");
}

TEST(EngineClientNegotiate, RefusesVersionsBelow141) {
  FakeEngine engine;
  engine.Then(Reply(PingReply("1.40")));
  EngineClient client(OptionsFor(engine, ""));
  absl::Status s = client.Negotiate();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "engine API version 1.40 is older than 1.41");
  EXPECT_EQ(client.api_version(), "");

  EngineClient pinned(OptionsFor(engine, "1.24"));
  s = pinned.Negotiate();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "engine API version 1.24 is older than 1.41");

  EngineClient malformed(OptionsFor(engine, "latest"));
  EXPECT_EQ(malformed.Negotiate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EngineClientNegotiate, AnOverrideSkipsThePing) {
  FakeEngine engine;
  engine.Then(Reply(JsonReply(200, "OK", "{}")));
  EngineClient client(OptionsFor(engine, "1.42"));
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_EQ(client.api_version(), "1.42");
  EXPECT_EQ(engine.connections(), 0);
  ASSERT_TRUE(client.Call("GET", "/_ping").ok());
  EXPECT_EQ(engine.received()[0].target, "/v1.42/_ping");
}

// --- Streams -----------------------------------------------------------------

TEST(EngineClientStream, DeliversChunksAsTheyArrive) {
  FakeEngine engine;
  absl::Notification first_seen;
  engine.Then([&](int fd, const Received&) {
    Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    Send(fd, "4\r\none\n\r\n");
    // The second chunk waits until the client has seen the first.
    if (!first_seen.WaitForNotificationWithTimeout(absl::Seconds(5))) return;
    Send(fd, "4\r\ntwo\n\r\n0\r\n\r\n");
  });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  std::vector<std::string> chunks;
  absl::StatusOr<EngineResponse> head = client.Stream("GET", "/events?since=1", nullptr, [&](absl::string_view c) {
    chunks.emplace_back(c);
    first_seen.Notify();
    return true;
  });
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->headers["transfer-encoding"], "chunked");
  EXPECT_THAT(chunks, ElementsAre("one\n", "two\n"));
  EXPECT_EQ(engine.received()[0].target, "/v1.43/events?since=1");
}

TEST(EngineClientStream, StopsWhenTheCallbackSaysSoAndClosesTheConnection) {
  FakeEngine engine;
  absl::Notification closed;
  engine.Then([&](int fd, const Received&) {
    Send(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n");
    std::string rest;
    // The client hangs up: read sees EOF.
    while (ReadMore(fd, rest, absl::Seconds(5))) {
    }
    closed.Notify();
  });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  int calls = 0;
  absl::StatusOr<EngineResponse> head = client.Stream("GET", "/containers/x/logs?follow=1", nullptr,
                                                      [&](absl::string_view) { return ++calls < 1; });
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(closed.WaitForNotificationWithTimeout(absl::Seconds(3)));
}

TEST(EngineClientStream, EndsSoonAfterCancel) {
  FakeEngine engine;
  engine.Then([&engine](int fd, const Received&) {
    Send(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhi\n\r\n");
    engine.WaitForStop(absl::Seconds(30));
  });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  std::atomic<bool> cancel{false};
  absl::Time cancelled_at;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(300));
    cancelled_at = absl::Now();
    cancel = true;
  });
  std::string got;
  absl::StatusOr<EngineResponse> head = client.Stream(
      "GET", "/events", nullptr,
      [&](absl::string_view c) {
        got.append(c.data(), c.size());
        return true;
      },
      &cancel);
  const absl::Time returned = absl::Now();
  canceller.join();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(got, "hi\n");
  EXPECT_LT(returned - cancelled_at, absl::Milliseconds(700));
}

TEST(EngineClientStream, CancelBeforeTheHeadIsCancelled) {
  FakeEngine engine;
  engine.Then([&engine](int, const Received&) { engine.WaitForStop(absl::Seconds(30)); });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(200));
    cancel = true;
  });
  absl::StatusOr<EngineResponse> head =
      client.Stream("GET", "/events", nullptr, [](absl::string_view) { return true; }, &cancel);
  canceller.join();
  EXPECT_EQ(head.status().code(), absl::StatusCode::kCancelled) << head.status();
}

TEST(EngineClientStream, AnErrorAnswerCarriesTheMessageInsteadOfChunks) {
  FakeEngine engine;
  engine.Then(Reply(JsonReply(404, "Not Found", R"({"message":"pull access denied for nope"})")));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  google::protobuf::Value body = Json("{}");
  int calls = 0;
  absl::StatusOr<EngineResponse> head =
      client.Stream("POST", "/images/create?fromImage=nope&tag=1", &body, [&](absl::string_view) {
        ++calls;
        return true;
      });
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->status, 404);
  EXPECT_EQ(head->message, "pull access denied for nope");
  EXPECT_EQ(calls, 0);
}

// --- Hijacked connections ------------------------------------------------------

std::string ReadAll(HijackedStream& stream) {
  std::string out = stream.TakeBuffered();
  char buffer[256];
  while (true) {
    const ssize_t n = read(stream.fd(), buffer, sizeof(buffer));
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

TEST(EngineClientHijack, UpgradesAndCarriesRawBytesBothWays) {
  FakeEngine engine;
  engine.Then([](int fd, const Received&) {
    // The first output bytes travel in the same write as the head.
    Send(fd, "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
             "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ");
    std::string input;
    while (ReadMore(fd, input)) {
    }
    // The client's stdin came through and ended with its half-close.
    Send(fd, absl::StrCat("got [", input, "]"));
  });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<HijackedStream> stream = client.Hijack("/exec/e1/start", Json(R"({"Detach":false,"Tty":true})"));
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_GE(stream->fd(), 0);
  ASSERT_EQ(write(stream->fd(), "in", 2), 2);
  ASSERT_EQ(write(stream->fd(), "put", 3), 3);
  stream->CloseWrite();
  EXPECT_EQ(ReadAll(*stream), "hello got [input]");

  std::vector<Received> got = engine.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/v1.43/exec/e1/start");
  EXPECT_EQ(got[0].headers["connection"], "Upgrade");
  EXPECT_EQ(got[0].headers["upgrade"], "tcp");
  EXPECT_EQ(got[0].headers["content-type"], "application/json");
  EXPECT_TRUE(BoolField(Json(got[0].body), "Tty"));
}

TEST(EngineClientHijack, AcceptsAnEngineThatAnswers200) {
  FakeEngine engine;
  engine.Then([](int fd, const Received&) {
    Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n");
    absl::SleepFor(absl::Milliseconds(50));
    Send(fd, std::string("\x01\0\0\0\0\0\0\x03out", 11));
  });
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<HijackedStream> stream = client.Hijack("/exec/e2/start", Json("{}"));
  ASSERT_TRUE(stream.ok()) << stream.status();
  std::vector<std::pair<int, std::string>> frames;
  FrameDemuxer demuxer;
  demuxer.Feed(ReadAll(*stream), [&](int s, absl::string_view p) { frames.emplace_back(s, std::string(p)); });
  EXPECT_THAT(frames, ElementsAre(Pair(1, "out")));
}

TEST(EngineClientHijack, AnErrorAnswerIsFailedPrecondition) {
  FakeEngine engine;
  engine.Then(Reply(JsonReply(409, "Conflict", R"({"message":"container abc is not running"})")));
  engine.Then(Reply("HTTP/1.1 204 No Content\r\n\r\n"));
  EngineClient client(OptionsFor(engine));
  ASSERT_TRUE(client.Negotiate().ok());
  absl::StatusOr<HijackedStream> stream = client.Hijack("/exec/e3/start", Json("{}"));
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stream.status().message(), "container abc is not running");
  stream = client.Hijack("/exec/e3/start", Json("{}"));
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HijackedStream, MovesOwnershipOfTheDescriptor) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  HijackedStream a(fds[0], "buffered");
  HijackedStream b(std::move(a));
  EXPECT_EQ(a.fd(), -1);  // NOLINT: checking the moved-from state on purpose
  EXPECT_EQ(b.fd(), fds[0]);
  EXPECT_EQ(b.TakeBuffered(), "buffered");
  EXPECT_EQ(b.TakeBuffered(), "");
  HijackedStream c;
  c = std::move(b);
  EXPECT_EQ(c.fd(), fds[0]);
  {
    HijackedStream gone(std::move(c));
  }
  // Destroying the owner closed the descriptor: the peer sees EOF.
  char byte;
  EXPECT_EQ(read(fds[1], &byte, 1), 0);
  close(fds[1]);
}

// --- Frame demultiplexer ------------------------------------------------------

std::string Frame(int stream, absl::string_view payload) {
  const size_t n = payload.size();
  std::string head = {static_cast<char>(stream), 0, 0, 0, static_cast<char>((n >> 24) & 0xff),
                      static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 8) & 0xff),
                      static_cast<char>(n & 0xff)};
  return head + std::string(payload);
}

TEST(FrameDemuxer, SplitsFramesCutAtEveryByte) {
  const std::string big(70000, 'x');  // a size with three non-zero bytes
  const std::vector<std::pair<int, std::string>> want = {
      {1, "2024-01-01T00:00:00Z hello\n"}, {2, "oops\n"}, {1, ""}, {2, big}, {1, std::string("a\0b", 3)}};
  std::string all;
  for (const auto& [s, p] : want) all += Frame(s, p);

  // Two pieces, cut at every position.
  for (size_t cut = 0; cut <= all.size(); cut += (cut < 200 || cut > all.size() - 200) ? 1 : 997) {
    FrameDemuxer demuxer;
    std::vector<std::pair<int, std::string>> got;
    auto out = [&](int s, absl::string_view p) { got.emplace_back(s, std::string(p)); };
    demuxer.Feed(absl::string_view(all).substr(0, cut), out);
    demuxer.Feed(absl::string_view(all).substr(cut), out);
    ASSERT_EQ(got, want) << "cut at " << cut;
  }
  // One byte at a time.
  FrameDemuxer demuxer;
  std::vector<std::pair<int, std::string>> got;
  for (char c : all) {
    demuxer.Feed(absl::string_view(&c, 1), [&](int s, absl::string_view p) { got.emplace_back(s, std::string(p)); });
  }
  EXPECT_EQ(got, want);
}

TEST(FrameDemuxer, KeepsAnIncompleteFrame) {
  FrameDemuxer demuxer;
  int calls = 0;
  const std::string frame = Frame(1, "abc");
  demuxer.Feed(frame.substr(0, 10), [&](int, absl::string_view) { ++calls; });
  EXPECT_EQ(calls, 0);
  std::string payload;
  demuxer.Feed(frame.substr(10) + Frame(2, "d").substr(0, 3), [&](int s, absl::string_view p) {
    ++calls;
    EXPECT_EQ(s, 1);
    payload = std::string(p);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(payload, "abc");
}

// --- JSON helpers ------------------------------------------------------------

TEST(Json, ParsesObjectsArraysAndScalarsAtTheTop) {
  google::protobuf::Value object = Json(R"({"State":{"Running":true,"ExitCode":3,"Error":""},"Name":"/x"})");
  EXPECT_TRUE(BoolField(Field(object, "State"), "Running"));
  EXPECT_EQ(NumberField(Field(object, "State"), "ExitCode"), 3);
  EXPECT_EQ(StringField(object, "Name"), "/x");

  google::protobuf::Value array = Json("[1, \"two\", null]\n");
  ASSERT_EQ(array.list_value().values_size(), 3);
  EXPECT_EQ(array.list_value().values(1).string_value(), "two");
  EXPECT_EQ(Json("\"text\"").string_value(), "text");
  EXPECT_EQ(Json("42").number_value(), 42);
  EXPECT_TRUE(Json("true").bool_value());
  EXPECT_EQ(Json("null").kind_case(), google::protobuf::Value::kNullValue);

  EXPECT_EQ(ParseJson("{\"a\":").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJson("OK").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Json, FieldAccessToleratesAbsence) {
  google::protobuf::Value object = Json(R"({"Id":"abc","Count":2,"On":true})");
  EXPECT_EQ(Field(object, "Nope").kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(StringField(object, "Nope"), "");
  EXPECT_EQ(StringField(object, "Count"), "");  // wrong type
  EXPECT_EQ(NumberField(object, "Id"), 0);
  EXPECT_FALSE(BoolField(object, "Id"));
  EXPECT_EQ(Field(Json("[1]"), "Id").kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(StringField(Field(Field(object, "A"), "B"), "C"), "");
}

TEST(Json, WritesWhatItReads) {
  const std::string text = R"({"Env":["A=1"],"HostConfig":{"Memory":1048576,"ReadonlyRootfs":true},"Name":null})";
  google::protobuf::Value value = Json(text);
  google::protobuf::Value again = Json(ToJson(value));
  EXPECT_EQ(again.DebugString(), value.DebugString());
  EXPECT_EQ(ToJson(Json("[]")), "[]");
  EXPECT_EQ(ToJson(google::protobuf::Value()), "null");
}

// --- A real engine, when one is given -------------------------------------------

TEST(EngineClientSmoke, TalksToARealEngine) {
  const char* socket = std::getenv("RUNE_TEST_DOCKER_SOCKET");
  if (socket == nullptr || *socket == '\0') {
    GTEST_SKIP() << "set RUNE_TEST_DOCKER_SOCKET to a Docker or podman socket to run this test";
  }
  EngineOptions options;
  options.socket = socket;
  EngineClient client(options);
  ASSERT_TRUE(client.Negotiate().ok());
  EXPECT_FALSE(client.api_version().empty());

  absl::StatusOr<EngineResponse> ping = client.Call("GET", "/_ping");
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_EQ(ping->status, 200);
  absl::StatusOr<EngineResponse> version = client.Call("GET", "/version");
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(version->status, 200);
  EXPECT_FALSE(StringField(version->json, "ApiVersion").empty()) << version->body;
  absl::StatusOr<EngineResponse> list = client.Call("GET", "/containers/json?all=1");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(list->json.kind_case(), google::protobuf::Value::kListValue) << list->body;
  absl::StatusOr<EngineResponse> missing = client.Call("GET", "/containers/rune-no-such-container/json");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->status, 404);
  EXPECT_FALSE(missing->message.empty());
}

}  // namespace
}  // namespace rune::daemon::docker
