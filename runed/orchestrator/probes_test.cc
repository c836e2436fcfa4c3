// Probes against real local servers on 127.0.0.1: an HTTP responder (plain
// and TLS with a self-signed certificate), a TCP listener, a closed port, and
// exec probes run as local processes.
#include "runed/orchestrator/probes.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/version.h"
#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/ssl.h"
#include "openssl/x509.h"
#include "runed/orchestrator/probe_run.h"

namespace rune::daemon {
namespace {

using runner::InstanceKey;

// --- Local servers ----------------------------------------------------------

int ListenLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(listen(fd, 4096), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A port nothing listens on: bound once, then closed.
int ClosedPort() {
  int port = 0;
  close(ListenLoopback(&port));
  return port;
}

// A self-signed P-256 certificate for the TLS responder.
bssl::UniquePtr<SSL_CTX> ServerTlsContext() {
  bssl::UniquePtr<EVP_PKEY_CTX> kctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY_keygen_init(kctx.get());
  EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx.get(), NID_X9_62_prime256v1);
  EVP_PKEY* raw_key = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen(kctx.get(), &raw_key), 1);
  bssl::UniquePtr<EVP_PKEY> key(raw_key);
  bssl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const uint8_t*>("probe-test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), cert.get()), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), key.get()), 1);
  return ctx;
}

// Answers every request with `status` (or never, when hanging) and keeps the
// last request it read. One thread per connection.
class HttpResponder {
 public:
  explicit HttpResponder(bool tls = false) {
    if (tls) tls_ = ServerTlsContext();
    listen_fd_ = ListenLoopback(&port_);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~HttpResponder() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    for (std::thread& t : connections_) t.join();
    close(listen_fd_);
  }

  int port() const { return port_; }
  void set_status(int status) { status_ = status; }
  void set_hang(bool hang) { hang_ = hang; }
  std::string last_request() {
    absl::MutexLock lock(&mu_);
    return last_request_;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stop_) return;
        continue;
      }
      connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  // Waits (up to 5 s, or until the test ends) for the client to go away.
  void Linger(int fd) {
    for (int i = 0; i < 50 && !stop_; ++i) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char c;
        if (recv(fd, &c, 1, 0) <= 0) return;
      }
    }
  }

  void Serve(int fd) {
    SSL* ssl = nullptr;
    if (tls_) {
      ssl = SSL_new(tls_.get());
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        close(fd);
        return;
      }
    }
    std::string request;
    char buf[1024];
    while (!absl::StrContains(request, "\r\n\r\n")) {
      const int n = ssl != nullptr ? SSL_read(ssl, buf, sizeof(buf))
                                   : static_cast<int>(recv(fd, buf, sizeof(buf), 0));
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    {
      absl::MutexLock lock(&mu_);
      last_request_ = request;
    }
    if (hang_) {
      Linger(fd);
    } else {
      const std::string response =
          absl::StrCat("HTTP/1.1 ", status_.load(), " Status\r\nContent-Length: 2\r\n\r\nok");
      if (ssl != nullptr) {
        SSL_write(ssl, response.data(), static_cast<int>(response.size()));
        SSL_shutdown(ssl);
      } else {
        send(fd, response.data(), response.size(), MSG_NOSIGNAL);
      }
    }
    if (ssl != nullptr) SSL_free(ssl);
    close(fd);
  }

  bssl::UniquePtr<SSL_CTX> tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> status_{200};
  std::atomic<bool> hang_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // touched by the acceptor only, then joined
  absl::Mutex mu_;
  std::string last_request_ ABSL_GUARDED_BY(mu_);
};

// Accepts and closes TCP connections.
class TcpListener {
 public:
  TcpListener() {
    fd_ = ListenLoopback(&port_);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
          if (stop_) return;
          continue;
        }
        close(c);
      }
    });
  }
  ~TcpListener() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// --- A local stand-in for Runner::Exec --------------------------------------
//
// The process runner (runner/process/) runs exec commands inside the
// instance; the probe code only needs what Runner::Exec hands back (pipes, a
// pidfd, the exit status), so these tests run the command as a plain local
// child process instead.

class LocalProcess : public runner::ExecProcess {
 public:
  LocalProcess(pid_t pid, int in, int out, int err)
      : pid_(pid), in_(in), out_(out), err_(err),
        pidfd_(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))) {}
  ~LocalProcess() override {
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    for (int fd : {in_, out_, err_, pidfd_}) {
      if (fd >= 0) close(fd);
    }
  }
  int stdin_fd() const override { return in_; }
  int stdout_fd() const override { return out_; }
  int stderr_fd() const override { return err_; }
  int pidfd() const override { return pidfd_; }
  void CloseStdin() override {
    if (in_ >= 0) close(in_);
    in_ = -1;
  }
  absl::Status Signal(int sig) override {
    return kill(-pid_, sig) == 0 ? absl::OkStatus() : absl::InternalError("kill failed");
  }
  absl::Status Resize(uint16_t, uint16_t) override { return absl::UnimplementedError("no tty"); }
  runner::ExitStatus Wait() override {
    runner::ExitStatus s;
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
    if (WIFEXITED(status)) s.exit_code = WEXITSTATUS(status);
    return s;
  }

 private:
  pid_t pid_;
  int in_, out_, err_, pidfd_;
  bool reaped_ = false;
};

class LocalRunner : public runner::Runner {
 public:
  void SetExitCallback(ExitCallback) override {}
  absl::StatusOr<runner::Started> Start(const runner::StartSpec&) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::Status Stop(const InstanceKey&, absl::Duration) override { return absl::OkStatus(); }
  absl::Status Kill(const InstanceKey&, int) override { return absl::OkStatus(); }
  absl::Status Remove(const InstanceKey&) override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<runner::Adopted>> Adopt() override {
    return std::vector<runner::Adopted>{};
  }
  absl::StatusOr<std::unique_ptr<runner::ExecProcess>> Exec(const InstanceKey& key,
                                                            const runner::ExecSpec& spec) override {
    if (key.id == "stopped") {
      return absl::FailedPreconditionError("instance \"default/stopped\" is not running");
    }
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      return absl::InternalError("pipe");
    }
    std::vector<char*> argv;
    for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    setpgid(pid, pid);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    return std::unique_ptr<runner::ExecProcess>(new LocalProcess(pid, in[1], out[0], err[0]));
  }
};

// --- Helpers -------------------------------------------------------------------

api::Probe HttpProbe(int port, const std::string& path = "") {
  api::Probe p;
  p.set_type(api::Probe::HTTP);
  p.set_port(absl::StrCat(port));
  p.set_path(path);
  return p;
}

api::Probe TcpProbe(int port) {
  api::Probe p;
  p.set_type(api::Probe::TCP);
  p.set_port(absl::StrCat(port));
  return p;
}

api::Probe ExecProbe(std::vector<std::string> argv) {
  api::Probe p;
  p.set_type(api::Probe::EXEC);
  for (std::string& a : argv) p.add_command(std::move(a));
  return p;
}

// Every second, so manager tests run in a few seconds.
api::Probe Fast(api::Probe p, int failure_threshold = 1) {
  p.set_interval_seconds(1);
  p.set_timeout_seconds(1);
  p.set_failure_threshold(failure_threshold);
  return p;
}

// What the callbacks saw.
class Recorder {
 public:
  ProbeCallbacks callbacks() {
    ProbeCallbacks c;
    c.readiness = [this](const InstanceKey& k, bool ready) {
      absl::MutexLock lock(&mu_);
      readiness_.push_back(absl::StrCat(k.id, "=", ready ? "ready" : "not-ready"));
      ready_[k.id] = ready;
    };
    c.liveness_failed = [this](const InstanceKey& k, std::string message) {
      absl::MutexLock lock(&mu_);
      liveness_.push_back(absl::StrCat(k.id, ": ", message));
    };
    return c;
  }

  // Waits until instance `id` was last reported `ready`.
  bool WaitReady(const std::string& id, bool ready, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto cond = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      auto it = ready_.find(id);
      return it != ready_.end() && it->second == ready;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
  }
  bool WaitLiveness(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto cond = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return liveness_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&cond), timeout);
  }
  size_t ReadyCount() {
    absl::MutexLock lock(&mu_);
    size_t n = 0;
    for (const auto& [id, ready] : ready_) n += ready ? 1 : 0;
    return n;
  }
  std::vector<std::string> readiness() {
    absl::MutexLock lock(&mu_);
    return readiness_;
  }
  std::vector<std::string> liveness() {
    absl::MutexLock lock(&mu_);
    return liveness_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> readiness_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> liveness_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> ready_ ABSL_GUARDED_BY(mu_);
};

int ThreadCount() {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

const InstanceKey kKey{"default", "api-instance-0000000a"};
const absl::Duration kOneSecond = absl::Seconds(1);

// --- Single runs --------------------------------------------------------------

TEST(HttpProbe, SendsPathHeadersHostAndUserAgent) {
  HttpResponder server;
  api::Probe probe = HttpProbe(server.port(), "/healthz?deep=1");
  (*probe.mutable_headers())["X-Probe"] = "yes";
  const ProbeOutcome o = RunHttpProbe(probe, "127.0.0.1", server.port(), kOneSecond);
  EXPECT_TRUE(o.success) << o.message;
  EXPECT_EQ(o.message, "");
  const std::string request = server.last_request();
  EXPECT_TRUE(absl::StartsWith(request, "GET /healthz?deep=1 HTTP/1.1\r\n")) << request;
  EXPECT_TRUE(absl::StrContains(request, absl::StrCat("\r\nHost: 127.0.0.1:", server.port(), "\r\n")))
      << request;
  EXPECT_TRUE(absl::StrContains(
      request, absl::StrCat("\r\nUser-Agent: rune-probe/", common::CurrentBuild().version, "\r\n")))
      << request;
  EXPECT_TRUE(absl::StrContains(request, "\r\nX-Probe: yes\r\n")) << request;
}

TEST(HttpProbe, EmptyPathIsSlashAndHeaderReplacesHost) {
  HttpResponder server;
  api::Probe probe = HttpProbe(server.port());
  (*probe.mutable_headers())["Host"] = "api.internal";
  EXPECT_TRUE(RunHttpProbe(probe, "127.0.0.1", server.port(), kOneSecond).success);
  const std::string request = server.last_request();
  EXPECT_TRUE(absl::StartsWith(request, "GET / HTTP/1.1\r\n")) << request;
  EXPECT_TRUE(absl::StrContains(request, "\r\nHost: api.internal\r\n")) << request;
  EXPECT_FALSE(absl::StrContains(request, "Host: 127.0.0.1")) << request;
}

TEST(HttpProbe, Status200To399SucceedsOthersFail) {
  HttpResponder server;
  for (int status : {200, 204, 302, 399}) {
    server.set_status(status);
    EXPECT_TRUE(RunHttpProbe(HttpProbe(server.port()), "127.0.0.1", server.port(), kOneSecond).success)
        << status;
  }
  for (int status : {400, 404, 500, 503}) {
    server.set_status(status);
    const ProbeOutcome o = RunHttpProbe(HttpProbe(server.port()), "127.0.0.1", server.port(), kOneSecond);
    EXPECT_FALSE(o.success);
    EXPECT_EQ(o.message, absl::StrCat("HTTP probe failed with status ", status));
  }
}

TEST(HttpProbe, TimesOutAfterTheProbeTimeout) {
  HttpResponder server;
  server.set_hang(true);
  const absl::Time start = absl::Now();
  const ProbeOutcome o = RunHttpProbe(HttpProbe(server.port()), "127.0.0.1", server.port(), kOneSecond);
  const absl::Duration took = absl::Now() - start;
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.message, "timed out after 1s");
  EXPECT_GE(took, absl::Milliseconds(950));
  EXPECT_LT(took, absl::Milliseconds(1800));
}

TEST(HttpProbe, ConnectionRefused) {
  const int port = ClosedPort();
  const ProbeOutcome o = RunHttpProbe(HttpProbe(port), "127.0.0.1", port, kOneSecond);
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.message, absl::StrCat("dial tcp 127.0.0.1:", port, ": connection refused"));
}

TEST(HttpProbe, HttpsDoesNotVerifyTheCertificate) {
  HttpResponder server(/*tls=*/true);
  api::Probe probe = HttpProbe(server.port(), "/ready");
  probe.set_scheme(api::Probe::SCHEME_HTTPS);
  ProbeOutcome o = RunHttpProbe(probe, "127.0.0.1", server.port(), kOneSecond);
  EXPECT_TRUE(o.success) << o.message;
  EXPECT_TRUE(absl::StartsWith(server.last_request(), "GET /ready HTTP/1.1\r\n"));
  server.set_status(500);
  o = RunHttpProbe(probe, "127.0.0.1", server.port(), kOneSecond);
  EXPECT_EQ(o.message, "HTTP probe failed with status 500");
}

TEST(HttpProbe, HttpsToAServerWithoutTlsFailsTheHandshake) {
  TcpListener listener;  // accepts, then closes at once
  api::Probe probe = HttpProbe(listener.port());
  probe.set_scheme(api::Probe::SCHEME_HTTPS);
  const ProbeOutcome o = RunHttpProbe(probe, "127.0.0.1", listener.port(), kOneSecond);
  EXPECT_FALSE(o.success);
  EXPECT_TRUE(absl::StartsWith(o.message, "TLS handshake failed: ")) << o.message;
}

TEST(HttpProbe, HeaderValueWithNewlineIsRefused) {
  HttpResponder server;
  api::Probe probe = HttpProbe(server.port());
  (*probe.mutable_headers())["X-Bad"] = "a\r\nInjected: 1";
  const ProbeOutcome o = RunHttpProbe(probe, "127.0.0.1", server.port(), kOneSecond);
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.message, "HTTP probe failed: invalid header \"X-Bad\"");
}

TEST(TcpProbe, ConnectsOrReportsRefusal) {
  TcpListener listener;
  EXPECT_TRUE(RunTcpProbe("127.0.0.1", listener.port(), kOneSecond).success);
  const int port = ClosedPort();
  const ProbeOutcome o = RunTcpProbe("127.0.0.1", port, kOneSecond);
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.message, absl::StrCat("dial tcp 127.0.0.1:", port, ": connection refused"));
}

TEST(ExecProbe, ExitStatusDecides) {
  LocalRunner runner;
  EXPECT_TRUE(RunExecProbe(&runner, kKey, {"/bin/sh", "-c", "echo fine"}, kOneSecond).success);
  ProbeOutcome o = RunExecProbe(&runner, kKey, {"/bin/sh", "-c", "echo bad >&2; exit 1"}, kOneSecond);
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.message, "exec probe exited with 1");
  o = RunExecProbe(&runner, kKey, {"/bin/sh", "-c", "kill -TERM $$"}, kOneSecond);
  EXPECT_EQ(o.message, "exec probe killed by signal TERM");
  o = RunExecProbe(&runner, {"default", "stopped"}, {"/bin/true"}, kOneSecond);
  EXPECT_EQ(o.message, "instance \"default/stopped\" is not running");
  o = RunExecProbe(nullptr, kKey, {"/bin/true"}, kOneSecond);
  EXPECT_FALSE(o.success);
}

TEST(ExecProbe, KilledAtTheTimeout) {
  LocalRunner runner;
  const absl::Time start = absl::Now();
  const ProbeOutcome o = RunExecProbe(&runner, kKey, {"/bin/sleep", "10"}, kOneSecond);
  EXPECT_EQ(o.message, "timed out after 1s");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(ExecProbe, ChattyCommandDoesNotBlock) {
  LocalRunner runner;
  // 1 MiB of output: more than a pipe holds.
  const ProbeOutcome o = RunExecProbe(
      &runner, kKey, {"/bin/sh", "-c", "head -c 1048576 /dev/zero; exit 0"}, absl::Seconds(5));
  EXPECT_TRUE(o.success) << o.message;
}

// --- ProbeManager --------------------------------------------------------------

TEST(ProbeManager, WithoutReadinessProbeReadyAfterOneSecondRunning) {
  Recorder rec;
  ProbeManager probes(nullptr, rec.callbacks());
  const absl::Time start = absl::Now();
  probes.Watch(kKey, api::ServiceSpec(), start);
  ASSERT_TRUE(rec.WaitReady(kKey.id, true));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(950));
  EXPECT_TRUE(probes.Checks(kKey).empty());
  // Running for long already (adopted): ready at once.
  const InstanceKey old{"default", "api-instance-0000000b"};
  const absl::Time watched = absl::Now();
  probes.Watch(old, api::ServiceSpec(), watched - absl::Minutes(5));
  ASSERT_TRUE(rec.WaitReady(old.id, true));
  EXPECT_LT(absl::Now() - watched, absl::Milliseconds(500));
  EXPECT_EQ(rec.readiness(), (std::vector<std::string>{"api-instance-0000000a=ready",
                                                       "api-instance-0000000b=ready"}));
}

TEST(ProbeManager, ChecksShowDefaultsAndResolvedPortName) {
  Recorder rec;
  ProbeManager probes(nullptr, rec.callbacks());
  HttpResponder server;
  api::ServiceSpec spec;
  api::ServicePort* port = spec.add_ports();
  port->set_name("web");
  port->set_port(80);
  port->set_target_port(server.port());
  api::Probe liveness;
  liveness.set_type(api::Probe::HTTP);
  liveness.set_port("web");
  *spec.mutable_health()->mutable_liveness() = liveness;
  *spec.mutable_health()->mutable_readiness() = TcpProbe(server.port());
  probes.Watch(kKey, spec, absl::Now() + absl::Hours(1));  // not probed yet
  std::vector<api::ProbeCheck> checks = probes.Checks(kKey);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].kind(), api::ProbeCheck::LIVENESS);
  const api::Probe& p = checks[0].probe();
  EXPECT_EQ(p.path(), "/");
  EXPECT_EQ(p.scheme(), api::Probe::SCHEME_HTTP);
  EXPECT_EQ(p.port(), "web");
  EXPECT_EQ(p.initial_delay_seconds(), 0);
  EXPECT_EQ(p.interval_seconds(), 10);
  EXPECT_EQ(p.timeout_seconds(), 1);
  EXPECT_EQ(p.failure_threshold(), 3);
  EXPECT_EQ(p.success_threshold(), 1);
  EXPECT_EQ(checks[0].resolved_port(), server.port());
  EXPECT_FALSE(checks[0].has_last_result());
  EXPECT_EQ(checks[0].recent_size(), 0);
  EXPECT_EQ(checks[1].kind(), api::ProbeCheck::READINESS);
  EXPECT_EQ(checks[1].probe().type(), api::Probe::TCP);

  // Probed now: the named port reaches the responder.
  probes.Watch(kKey, spec, absl::Now());
  ASSERT_TRUE(rec.WaitReady(kKey.id, true));
  checks = probes.Checks(kKey);
  ASSERT_EQ(checks.size(), 2u);
  for (int i = 0; i < 50 && !probes.Checks(kKey)[0].has_last_result(); ++i) absl::SleepFor(absl::Milliseconds(20));
  checks = probes.Checks(kKey);
  ASSERT_TRUE(checks[0].has_last_result());
  EXPECT_TRUE(checks[0].last_result().success()) << checks[0].last_result().message();
  EXPECT_TRUE(checks[0].last_result().has_time());
  EXPECT_EQ(checks[0].consecutive_successes(), 1);
  EXPECT_EQ(checks[0].recent_size(), 1);
}

TEST(ProbeManager, ReadinessFollowsThresholdsAndKeepsTenResults) {
  Recorder rec;
  ProbeManager probes(nullptr, rec.callbacks());
  HttpResponder server;
  api::ServiceSpec spec;
  *spec.mutable_health()->mutable_readiness() = Fast(HttpProbe(server.port(), "/ready"), 2);
  probes.Watch(kKey, spec, absl::Now());
  ASSERT_TRUE(rec.WaitReady(kKey.id, true));
  server.set_status(503);
  const absl::Time failing = absl::Now();
  ASSERT_TRUE(rec.WaitReady(kKey.id, false));
  // Two failures are needed, one second apart.
  EXPECT_GE(absl::Now() - failing, absl::Milliseconds(900));
  std::vector<api::ProbeCheck> checks = probes.Checks(kKey);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].consecutive_failures(), 2);
  EXPECT_EQ(checks[0].consecutive_successes(), 0);
  EXPECT_FALSE(checks[0].last_result().success());
  EXPECT_EQ(checks[0].last_result().message(), "HTTP probe failed with status 503");
  server.set_status(200);
  ASSERT_TRUE(rec.WaitReady(kKey.id, true));
  EXPECT_EQ(rec.readiness(),
            (std::vector<std::string>{"api-instance-0000000a=ready", "api-instance-0000000a=not-ready",
                                      "api-instance-0000000a=ready"}));
  // The ring holds the last 10 results, oldest first.
  absl::SleepFor(absl::Seconds(7));
  checks = probes.Checks(kKey);
  EXPECT_EQ(checks[0].recent_size(), 10);
  EXPECT_TRUE(checks[0].recent(9).success());
  for (int i = 1; i < checks[0].recent_size(); ++i) {
    EXPECT_LT(common::FromTimestamp(checks[0].recent(i - 1).time()),
              common::FromTimestamp(checks[0].recent(i).time()));
  }
}

TEST(ProbeManager, LivenessFailureReportedOnceAtThreshold) {
  Recorder rec;
  ProbeManager probes(nullptr, rec.callbacks());
  const int port = ClosedPort();
  api::ServiceSpec spec;
  *spec.mutable_health()->mutable_liveness() = Fast(TcpProbe(port), 2);
  probes.Watch(kKey, spec, absl::Now() - absl::Minutes(1));
  ASSERT_TRUE(rec.WaitLiveness(1));
  EXPECT_EQ(rec.liveness(),
            (std::vector<std::string>{absl::StrCat("api-instance-0000000a: liveness probe failed 2 "
                                                   "times: dial tcp 127.0.0.1:",
                                                   port, ": connection refused")}));
  absl::SleepFor(absl::Milliseconds(2500));
  EXPECT_EQ(rec.liveness().size(), 1u);
  // A failing liveness probe keeps the instance from being ready.
  EXPECT_FALSE(rec.WaitReady(kKey.id, true, absl::Milliseconds(10)));
  EXPECT_GE(probes.Checks(kKey)[0].consecutive_failures(), 3);
}

TEST(ProbeManager, LivenessFailureClearsReadiness) {
  Recorder rec;
  ProbeManager probes(nullptr, rec.callbacks());
  HttpResponder server;
  api::ServiceSpec spec;
  *spec.mutable_health()->mutable_liveness() = Fast(HttpProbe(server.port()), 3);
  probes.Watch(kKey, spec, absl::Now() - absl::Minutes(1));
  ASSERT_TRUE(rec.WaitReady(kKey.id, true));
  server.set_status(500);
  ASSERT_TRUE(rec.WaitReady(kKey.id, false));
  EXPECT_TRUE(rec.liveness().empty());  // below failureThreshold so far
  server.set_status(200);
  ASSERT_TRUE(rec.WaitReady(kKey.id, true));
}

TEST(ProbeManager, ExecProbesRunThroughTheRunner) {
  Recorder rec;
  LocalRunner runner;
  ProbeManager probes(&runner, rec.callbacks());
  api::ServiceSpec spec;
  *spec.mutable_health()->mutable_readiness() = Fast(ExecProbe({"/bin/true"}));
  *spec.mutable_health()->mutable_liveness() = Fast(ExecProbe({"/bin/sh", "-c", "exit 3"}));
  probes.Watch(kKey, spec, absl::Now());
  ASSERT_TRUE(rec.WaitLiveness(1));
  EXPECT_EQ(rec.liveness()[0], "api-instance-0000000a: liveness probe failed 1 times: exec probe exited with 3");
  const std::vector<api::ProbeCheck> checks = probes.Checks(kKey);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].resolved_port(), 0);
  EXPECT_EQ(checks[0].probe().command_size(), 3);
}

TEST(ProbeManager, ForgetStopsProbesAndCallbacks) {
  Recorder rec;
  ProbeManager probes(nullptr, rec.callbacks());
  TcpListener listener;
  api::ServiceSpec spec;
  *spec.mutable_health()->mutable_readiness() = Fast(TcpProbe(listener.port()));
  probes.Watch(kKey, spec, absl::Now() + absl::Milliseconds(500));
  probes.Forget(kKey);
  EXPECT_TRUE(probes.Checks(kKey).empty());
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_TRUE(rec.readiness().empty());
  probes.Forget(kKey);  // unknown key: nothing happens
}

TEST(ProbeManager, CallbackMayForgetAndWatchAgain) {
  const int port = ClosedPort();
  api::ServiceSpec spec;
  *spec.mutable_health()->mutable_liveness() = Fast(TcpProbe(port));
  ProbeManager* manager = nullptr;
  absl::Mutex mu;
  int restarts = 0;
  ProbeCallbacks callbacks;
  callbacks.liveness_failed = [&](const InstanceKey& key, std::string) {
    manager->Forget(key);
    manager->Watch(key, spec, absl::Now());
    absl::MutexLock lock(&mu);
    ++restarts;
  };
  ProbeManager probes(nullptr, callbacks);
  manager = &probes;
  probes.Watch(kKey, spec, absl::Now());
  absl::MutexLock lock(&mu);
  auto two = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) { return restarts >= 2; };
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&two), absl::Seconds(10)));
}

TEST(ProbeManager, ThousandInstancesShareFewThreads) {
  Recorder rec;
  const int before = ThreadCount();
  TcpListener listener;
  {
    ProbeManager probes(nullptr, rec.callbacks());
    api::ServiceSpec spec;
    *spec.mutable_health()->mutable_readiness() = Fast(TcpProbe(listener.port()));
    for (int i = 0; i < 1000; ++i) {
      probes.Watch({"default", absl::StrCat("api-instance-", 10000000 + i)}, spec, absl::Now());
    }
    for (int i = 0; i < 200 && rec.ReadyCount() < 1000; ++i) absl::SleepFor(absl::Milliseconds(50));
    EXPECT_EQ(rec.ReadyCount(), 1000u);
    // The listener's thread, the timer and at most 16 workers.
    EXPECT_LE(ThreadCount() - before, 18);
  }
}

}  // namespace
}  // namespace rune::daemon
