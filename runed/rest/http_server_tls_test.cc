// The HTTP listener with server.tls over real sockets on loopback, with a CA,
// server and client certificates made here with BoringSSL: keep-alive,
// large and streamed bodies over TLS, a client leaving a stream, plaintext
// and TLS 1.1 clients refused, the handshake deadline, Stop() during a
// handshake, mTLS (no certificate, another CA's, the right one), and the
// errors of loading the files.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "openssl/pem.h"
#include "openssl/x509v3.h"
#include "runed/rest/connection.h"
#include "runed/rest/gateway.h"
#include "runed/rest/http_server.h"

namespace rune::daemon {
namespace {

struct Identity {
  bssl::UniquePtr<EVP_PKEY> key;
  bssl::UniquePtr<X509> cert;
};

void AddExtension(X509* cert, int nid, const char* value) {
  bssl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, nullptr, nid, value));
  ASSERT_NE(ext, nullptr) << value;
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

// A P-256 key and a certificate for it: a CA when `issuer` is null
// (self-signed), else signed by `issuer`; `ip` adds that IP address as a
// subject alternative name.
Identity MakeIdentity(const char* cn, const Identity* issuer, const char* ip = nullptr) {
  Identity id;
  bssl::UniquePtr<EVP_PKEY_CTX> kctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY_keygen_init(kctx.get());
  EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx.get(), NID_X9_62_prime256v1);
  EVP_PKEY* raw_key = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen(kctx.get(), &raw_key), 1);
  id.key.reset(raw_key);
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  static long serial = 1;
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const uint8_t*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(issuer != nullptr ? issuer->cert.get() : cert));
  X509_set_pubkey(cert, id.key.get());
  if (issuer == nullptr) AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE");
  if (ip != nullptr) AddExtension(cert, NID_subject_alt_name, absl::StrCat("IP:", ip).c_str());
  EXPECT_GT(X509_sign(cert, (issuer != nullptr ? issuer : &id)->key.get(), EVP_sha256()), 0);
  return id;
}

std::string CertPem(const Identity& id) {
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), id.cert.get());
  const uint8_t* data;
  size_t len;
  BIO_mem_contents(bio.get(), &data, &len);
  return std::string(reinterpret_cast<const char*>(data), len);
}

std::string KeyPem(const Identity& id) {
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), id.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  const uint8_t* data;
  size_t len;
  BIO_mem_contents(bio.get(), &data, &len);
  return std::string(reinterpret_cast<const char*>(data), len);
}

std::string WriteFile(const std::string& name, const std::string& content) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::ofstream(path, std::ios::trunc) << content;
  return path;
}

// The client side: a blocking socket with a 10 s receive timeout.
class Client {
 public:
  struct Options {
    const Identity* trust = nullptr;  // the CA the server must chain to
    const Identity* identity = nullptr;  // sent as the client certificate
    uint16_t max_version = TLS1_3_VERSION;
  };

  Client(int port, const Options& options) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ctx_.reset(SSL_CTX_new(TLS_method()));
    SSL_CTX_set_max_proto_version(ctx_.get(), options.max_version);
    if (options.trust != nullptr) {
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_.get()), options.trust->cert.get());
      SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER, nullptr);
    }
    if (options.identity != nullptr) {
      SSL_CTX_use_certificate(ctx_.get(), options.identity->cert.get());
      SSL_CTX_use_PrivateKey(ctx_.get(), options.identity->key.get());
    }
    ssl_.reset(SSL_new(ctx_.get()));
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), "127.0.0.1");
    SSL_set_fd(ssl_.get(), fd_);
  }
  ~Client() { close(fd_); }

  // True once the client's side of the handshake is done (under TLS 1.3 the
  // server may still reject its certificate afterwards).
  bool Handshake() { return SSL_connect(ssl_.get()) == 1; }
  bool Send(const std::string& data) {
    return SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  // Reads one response with a Content-Length body; "" when the connection
  // ends first.
  std::string Response() {
    std::string out;
    char buf[16384];
    for (;;) {
      const size_t end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        const size_t cl = out.find("Content-Length: ");
        size_t len = 0;
        if (cl != std::string::npos &&
            absl::SimpleAtoi(out.substr(cl + 16, out.find("\r\n", cl) - cl - 16), &len) &&
            out.size() >= end + 4 + len) {
          return out;
        }
      }
      const int n = SSL_read(ssl_.get(), buf, sizeof(buf));
      if (n <= 0) return "";
      out.append(buf, static_cast<size_t>(n));
    }
  }
  // Everything until the server closes the connection.
  std::string ReadAll() {
    std::string out;
    char buf[16384];
    int n;
    while ((n = SSL_read(ssl_.get(), buf, sizeof(buf))) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  std::string Get(const std::string& path) {
    if (!Send(absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\n\r\n"))) return "";
    return Response();
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  bssl::UniquePtr<SSL> ssl_;
};

class HttpTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new Identity(MakeIdentity("rune-test-ca", nullptr));
    other_ca_ = new Identity(MakeIdentity("other-ca", nullptr));
    server_id_ = new Identity(MakeIdentity("runed", ca_, "127.0.0.1"));
    client_id_ = new Identity(MakeIdentity("client", ca_));
    stranger_ = new Identity(MakeIdentity("stranger", other_ca_));
    files_.cert_file = WriteFile("server.crt", CertPem(*server_id_));
    files_.key_file = WriteFile("server.key", KeyPem(*server_id_));
    ca_file_ = WriteFile("ca.crt", CertPem(*ca_));
  }

  // Starts the server with TLS (and mTLS when `mtls`).
  void Start(bool mtls, absl::Duration handshake_timeout = absl::Seconds(10)) {
    TlsFiles files = files_;
    if (mtls) files.ca_file = ca_file_;
    absl::StatusOr<std::shared_ptr<const TlsContext>> tls = TlsContext::Load(files);
    ASSERT_TRUE(tls.ok()) << tls.status();
    server_ = std::make_unique<HttpServer>([this](const HttpRequest& r) {
      if (handler_) return handler_(r);
      return gateway_.Handle(r);
    });
    absl::StatusOr<std::string> bound = server_->Listen("127.0.0.1:0");
    ASSERT_TRUE(bound.ok()) << bound.status();
    ASSERT_TRUE(absl::SimpleAtoi(bound->substr(bound->rfind(':') + 1), &port_));
    server_->UseTls(*tls, handshake_timeout);
    server_->Start();
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
  }

  Client::Options Trusting() {
    Client::Options o;
    o.trust = ca_;
    return o;
  }

  static Identity* ca_;
  static Identity* other_ca_;
  static Identity* server_id_;
  static Identity* client_id_;
  static Identity* stranger_;
  static TlsFiles files_;
  static std::string ca_file_;

  ServingState state_;
  RestGateway gateway_{&state_};
  HttpHandler handler_;  // set: replaces the gateway
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

Identity* HttpTlsTest::ca_;
Identity* HttpTlsTest::other_ca_;
Identity* HttpTlsTest::server_id_;
Identity* HttpTlsTest::client_id_;
Identity* HttpTlsTest::stranger_;
TlsFiles HttpTlsTest::files_;
std::string HttpTlsTest::ca_file_;

TEST_F(HttpTlsTest, ServesHttpsWithKeepAlive) {
  Start(false);
  state_.value = Serving::kReady;
  Client c(port_, Trusting());
  ASSERT_TRUE(c.Handshake());
  std::string r = c.Get("/healthz");
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_TRUE(absl::EndsWith(r, "{\"status\":\"ok\"}")) << r;
  r = c.Get("/v1/version");  // same connection
  EXPECT_TRUE(absl::StrContains(r, "\"version\":\"dev\"")) << r;
  // Two pipelined requests in one TLS record.
  ASSERT_TRUE(
      c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(absl::StartsWith(c.Response(), "HTTP/1.1 200 "));
  EXPECT_TRUE(absl::StartsWith(c.Response(), "HTTP/1.1 404 "));
}

TEST_F(HttpTlsTest, BodiesLargerThanARecord) {
  const std::string big(3 << 20, 'x');
  handler_ = [&big](const HttpRequest& r) {
    HttpResponse out;
    out.body = r.path == "/echo" ? r.body : big;
    return out;
  };
  Start(false);
  Client c(port_, Trusting());
  ASSERT_TRUE(c.Handshake());
  const std::string r = c.Get("/big");
  EXPECT_TRUE(absl::EndsWith(r, "\r\n\r\n" + big)) << r.substr(0, 200);
  const std::string body(100000, 'y');
  ASSERT_TRUE(c.Send(absl::StrCat("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ", body.size(),
                                  "\r\n\r\n", body)));
  EXPECT_TRUE(absl::EndsWith(c.Response(), "\r\n\r\n" + body));
}

TEST_F(HttpTlsTest, StreamedBodiesAndAClientThatLeaves) {
  absl::Notification writing, closed, returned;
  handler_ = [&](const HttpRequest& request) {
    HttpResponse r;
    r.content_type = "text/event-stream";
    if (request.path == "/logs") {
      r.stream = [](HttpStream& out) {
        EXPECT_TRUE(out.Write("data: 1\n\n"));
        EXPECT_TRUE(out.Write("data: 22\n\n"));
      };
      return r;
    }
    r.stream = [&](HttpStream& out) {
      out.OnClose([&closed] { closed.Notify(); });
      EXPECT_TRUE(out.Write("first"));
      writing.Notify();
      EXPECT_TRUE(closed.WaitForNotificationWithTimeout(absl::Seconds(10)));
      EXPECT_FALSE(out.Write("late"));
      returned.Notify();
    };
    return r;
  };
  Start(false);
  {
    Client c(port_, Trusting());
    ASSERT_TRUE(c.Handshake());
    ASSERT_TRUE(c.Send("GET /logs HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(c.ReadAll(),
              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
              "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
              "9\r\ndata: 1\n\n\r\na\r\ndata: 22\n\n\r\n0\r\n\r\n");
  }
  {
    Client c(port_, Trusting());
    ASSERT_TRUE(c.Handshake());
    ASSERT_TRUE(c.Send("GET /follow HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(writing.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }  // closes the socket
  EXPECT_TRUE(returned.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

TEST_F(HttpTlsTest, PlaintextAndOldTlsClientsAreRefused) {
  Start(false);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port_);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  char buf[256];
  EXPECT_LE(recv(fd, buf, sizeof(buf), 0), 0);  // closed without an HTTP answer
  close(fd);

  Client::Options old = Trusting();
  old.max_version = TLS1_1_VERSION;
  Client c(port_, old);
  EXPECT_FALSE(c.Handshake());
}

TEST_F(HttpTlsTest, ASilentClientIsDroppedAtTheHandshakeDeadline) {
  Start(false, absl::Milliseconds(300));
  Client c(port_, Trusting());
  const absl::Time start = absl::Now();
  char buf[16];
  EXPECT_EQ(recv(c.fd(), buf, sizeof(buf), 0), 0);  // the server closed it
  const absl::Duration waited = absl::Now() - start;
  EXPECT_GE(waited, absl::Milliseconds(250));
  EXPECT_LT(waited, absl::Seconds(5));
  state_.value = Serving::kReady;
  Client later(port_, Trusting());  // the listener still serves
  ASSERT_TRUE(later.Handshake());
  EXPECT_TRUE(absl::StartsWith(later.Get("/healthz"), "HTTP/1.1 200 "));
}

TEST_F(HttpTlsTest, StopDoesNotWaitForAHandshake) {
  Start(false);
  Client c(port_, Trusting());  // connected, never says hello
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  server_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(HttpTlsTest, MutualTlsRequiresACertificateFromTheCa) {
  state_.value = Serving::kReady;
  Start(true);
  {
    Client c(port_, Trusting());  // no certificate
    // TLS 1.3 finishes the client's side before the server judges it.
    if (c.Handshake()) EXPECT_EQ(c.Get("/healthz"), "");
  }
  {
    Client::Options o = Trusting();
    o.identity = stranger_;
    Client c(port_, o);
    if (c.Handshake()) EXPECT_EQ(c.Get("/healthz"), "");
  }
  {
    Client::Options o = Trusting();
    o.max_version = TLS1_2_VERSION;  // TLS 1.2 fails the handshake itself
    Client c(port_, o);
    EXPECT_FALSE(c.Handshake());
  }
  Client::Options o = Trusting();
  o.identity = client_id_;
  Client c(port_, o);
  ASSERT_TRUE(c.Handshake());
  EXPECT_TRUE(absl::StartsWith(c.Get("/healthz"), "HTTP/1.1 200 "));
}

TEST_F(HttpTlsTest, LoadErrorsNameTheKeyAndFile) {
  TlsFiles files = files_;
  files.cert_file = WriteFile("missing-dir/none.crt", "");
  absl::StatusOr<std::shared_ptr<const TlsContext>> tls = TlsContext::Load(files);
  EXPECT_TRUE(absl::IsInvalidArgument(tls.status()));
  EXPECT_EQ(tls.status().message(),
            "server.tls.cert_file " + files.cert_file +
                ": cannot load the certificate chain (No such file or directory)");

  files = files_;
  files.cert_file = WriteFile("garbage.crt", "not a certificate\n");
  tls = TlsContext::Load(files);
  EXPECT_EQ(tls.status().message(),
            "server.tls.cert_file " + files.cert_file +
                ": cannot load the certificate chain (NO_START_LINE)");

  files = files_;
  files.key_file = WriteFile("client.key", KeyPem(*client_id_));
  tls = TlsContext::Load(files);
  EXPECT_EQ(tls.status().message(),
            absl::StrCat("server.tls.key_file ", files.key_file,
                         ": does not match server.tls.cert_file ", files.cert_file));

  files = files_;
  files.key_file = files.cert_file;
  tls = TlsContext::Load(files);
  EXPECT_TRUE(absl::StartsWith(tls.status().message(),
                               "server.tls.key_file " + files.key_file +
                                   ": cannot load the private key ("))
      << tls.status();

  files = files_;
  files.ca_file = WriteFile("garbage-ca.crt", "nothing here\n");
  tls = TlsContext::Load(files);
  EXPECT_TRUE(absl::StartsWith(tls.status().message(),
                               "server.tls.ca_file " + files.ca_file +
                                   ": cannot load the CA certificates ("))
      << tls.status();
}

}  // namespace
}  // namespace rune::daemon
