#include "runed/registry/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "http_parser.h"
#include "openssl/pem.h"
#include "openssl/x509v3.h"
#include "runed/http/header_reader.h"

namespace rune::daemon::registry::testing {
namespace {

// A listening socket on 127.0.0.1 with an ephemeral port.
int Listen(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

// Waits up to 50 ms for a connection; -1 when none came.
int AcceptSoon(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  if (poll(&p, 1, 50) <= 0) return -1;
  const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) {
    const timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  }
  return fd;
}

// One accepted connection, plaintext or TLS, with blocking calls.
class ServerConn {
 public:
  ServerConn(int fd, SSL_CTX* tls) : fd_(fd) {
    if (tls != nullptr) {
      ssl_.reset(SSL_new(tls));
      SSL_set_fd(ssl_.get(), fd);
      ok_ = SSL_accept(ssl_.get()) == 1;
    }
  }
  ~ServerConn() {
    if (ssl_ != nullptr && ok_) SSL_shutdown(ssl_.get());
    close(fd_);
  }
  bool ok() const { return ok_; }
  ssize_t Read(char* buf, size_t n) {
    if (ssl_ != nullptr) return SSL_read(ssl_.get(), buf, static_cast<int>(n));
    return recv(fd_, buf, n, 0);
  }
  void Write(absl::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ssl_ != nullptr ? SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()))
                                        : send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

 private:
  const int fd_;
  bssl::UniquePtr<SSL> ssl_;
  bool ok_ = true;
};

struct Parse {
  ReceivedRequest request;
  http::HeaderReader reader;
  bool complete = false;
};

Parse* Of(http_parser* p) { return static_cast<Parse*>(p->data); }

const http_parser_settings& RequestSettings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_url = [](http_parser* p, const char* at, size_t n) {
      Of(p)->request.target.append(at, n);
      return 0;
    };
    s.on_header_field = [](http_parser* p, const char* at, size_t n) {
      Of(p)->reader.Field(at, n, &Of(p)->request.headers);
      return 0;
    };
    s.on_header_value = [](http_parser* p, const char* at, size_t n) {
      Of(p)->reader.Value(at, n);
      return 0;
    };
    s.on_headers_complete = [](http_parser* p) {
      Of(p)->reader.Flush(&Of(p)->request.headers);
      Of(p)->request.method = http_method_str(static_cast<http_method>(p->method));
      return 0;
    };
    s.on_body = [](http_parser* p, const char* at, size_t n) {
      Of(p)->request.body.append(at, n);
      return 0;
    };
    s.on_message_complete = [](http_parser* p) {
      Of(p)->complete = true;
      http_parser_pause(p, 1);
      return 0;
    };
    return s;
  }();
  return settings;
}

void AddExtension(X509* cert, int nid, const std::string& value) {
  bssl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, nullptr, nid, value.c_str()));
  ASSERT_NE(ext, nullptr) << value;
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

bssl::UniquePtr<EVP_PKEY> NewKey() {
  bssl::UniquePtr<EVP_PKEY_CTX> kctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY_keygen_init(kctx.get());
  EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx.get(), NID_X9_62_prime256v1);
  EVP_PKEY* key = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen(kctx.get(), &key), 1);
  return bssl::UniquePtr<EVP_PKEY>(key);
}

// A certificate for `key` named `cn`, signed by issuer_key (self-signed
// when issuer is null).
bssl::UniquePtr<X509> NewCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                              const std::string& san) {
  static long serial = 1000;
  bssl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const uint8_t*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer != nullptr ? issuer : cert.get()));
  X509_set_pubkey(cert.get(), key);
  if (issuer == nullptr) AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  if (!san.empty()) AddExtension(cert.get(), NID_subject_alt_name, san);
  EXPECT_GT(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

}  // namespace

TestPki TestPki::Make(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) {
  static int made = 0;
  bssl::UniquePtr<EVP_PKEY> ca_key = NewKey();
  bssl::UniquePtr<X509> ca = NewCert("registry-test-ca", ca_key.get(), nullptr, nullptr, "");
  std::vector<std::string> san;
  for (const std::string& d : dns_names) san.push_back("DNS:" + d);
  for (const std::string& ip : ips) san.push_back("IP:" + ip);
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  bssl::UniquePtr<X509> leaf = NewCert("registry-test-server", key.get(), ca.get(), ca_key.get(), absl::StrJoin(san, ","));

  TestPki pki;
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), ca.get());
  const uint8_t* data;
  size_t len;
  BIO_mem_contents(bio.get(), &data, &len);
  const char* tmp = std::getenv("TEST_TMPDIR");
  pki.ca_file = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/registry-ca-", getpid(), "-", made++, ".pem");
  std::ofstream(pki.ca_file, std::ios::trunc) << std::string(reinterpret_cast<const char*>(data), len);

  pki.server_ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX_use_certificate(pki.server_ctx.get(), leaf.get());
  SSL_CTX_use_PrivateKey(pki.server_ctx.get(), key.get());
  return pki;
}

std::string HttpAnswer(int status, absl::string_view body, absl::string_view content_type, bool chunked) {
  std::string text = absl::StrCat("HTTP/1.1 ", status, " ", status == 200 ? "OK" : "Status", "\r\n");
  if (!content_type.empty()) absl::StrAppend(&text, "Content-Type: ", content_type, "\r\n");
  if (!chunked) {
    absl::StrAppend(&text, "Content-Length: ", body.size(), "\r\n\r\n", body);
    return text;
  }
  absl::StrAppend(&text, "Transfer-Encoding: chunked\r\n\r\n");
  for (size_t i = 0; i < body.size(); i += 7) {
    const absl::string_view piece = body.substr(i, 7);
    absl::StrAppend(&text, absl::Hex(piece.size()), "\r\n", piece, "\r\n");
  }
  absl::StrAppend(&text, "0\r\n\r\n");
  return text;
}

TestServer::TestServer(Handler handler, SSL_CTX* tls) : handler_(std::move(handler)), tls_(tls) {
  listen_fd_ = Listen(&port_);
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      const int fd = AcceptSoon(listen_fd_);
      if (fd >= 0) Serve(fd);
    }
  });
}

TestServer::~TestServer() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::string TestServer::Url() const {
  return absl::StrCat(tls_ != nullptr ? "https" : "http", "://127.0.0.1:", port_);
}

std::vector<ReceivedRequest> TestServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

void TestServer::Serve(int fd) {
  ++connections_;
  ServerConn conn(fd, tls_);
  if (!conn.ok()) return;
  Parse parse;
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  parser.data = &parse;
  char buf[16384];
  while (!parse.complete) {
    const ssize_t n = conn.Read(buf, sizeof(buf));
    if (n <= 0) return;
    http_parser_execute(&parser, &RequestSettings(), buf, static_cast<size_t>(n));
    if (!parse.complete && HTTP_PARSER_ERRNO(&parser) != HPE_OK) return;
  }
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(parse.request);
  }
  conn.Write(handler_(parse.request));
}

ConnectProxy::ConnectProxy(int backend_port, bool refuse) : backend_port_(backend_port), refuse_(refuse) {
  listen_fd_ = Listen(&port_);
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      const int fd = AcceptSoon(listen_fd_);
      if (fd >= 0) Serve(fd);
    }
  });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<std::string> ConnectProxy::heads() const {
  absl::MutexLock lock(&mu_);
  return heads_;
}

void ConnectProxy::Serve(int fd) {
  std::string head;
  char buf[16384];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      close(fd);
      return;
    }
    head.append(buf, static_cast<size_t>(n));
  }
  {
    absl::MutexLock lock(&mu_);
    heads_.push_back(head.substr(0, head.find("\r\n\r\n")));
  }
  const auto answer = [fd](absl::string_view text) { send(fd, text.data(), text.size(), MSG_NOSIGNAL); };
  if (refuse_ || head.rfind("CONNECT ", 0) != 0) {
    answer("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 6\r\n\r\ndenied");
    close(fd);
    return;
  }
  const int backend = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(backend_port_));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(backend, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    answer("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    close(backend);
    close(fd);
    return;
  }
  answer("HTTP/1.1 200 Connection established\r\n\r\n");
  // Copies both ways until one side closes.
  pollfd p[2] = {{fd, POLLIN, 0}, {backend, POLLIN, 0}};
  while (!stop_.load()) {
    if (poll(p, 2, 50) <= 0) continue;
    bool done = false;
    for (int i = 0; i < 2; ++i) {
      if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = recv(p[i].fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        done = true;
        break;
      }
      send(p[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
    }
    if (done) break;
  }
  close(backend);
  close(fd);
}

SilentListener::SilentListener() { fd_ = Listen(&port_); }

SilentListener::~SilentListener() { close(fd_); }

int UnusedPort() {
  int port = 0;
  close(Listen(&port));
  return port;
}

}  // namespace rune::daemon::registry::testing
