#include "runed/runner/docker/engine_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/unique_fd.h"
#include "google/protobuf/util/json_util.h"
#include "http_parser.h"
#include "runed/http/header_reader.h"

namespace rune::daemon::docker {
namespace {

using google::protobuf::Value;

constexpr char kNewestVersion[] = "1.43";
constexpr char kOldestVersion[] = "1.41";
constexpr size_t kReadSize = 64 * 1024;
constexpr size_t kMaxBodyBytes = 64 << 20;
// Streams wake up this often to look at their cancel flag.
constexpr absl::Duration kCancelPoll = absl::Milliseconds(200);

// strerror in lower case, the way the runner's messages print it.
std::string ErrnoText(int err) { return absl::AsciiStrToLower(std::strerror(err)); }

using Fd = common::UniqueFd;

// The poll(2) timeout until `deadline`, at most `cap`; -1 = no limit.
int PollMillis(absl::Time deadline, absl::Duration cap) {
  absl::Duration left = deadline - absl::Now();
  if (left > cap) left = cap;
  if (left == absl::InfiniteDuration()) return -1;
  if (left <= absl::ZeroDuration()) return 0;
  // Round up so a poll never wakes just before its deadline and spins.
  return static_cast<int>(absl::ToInt64Milliseconds(left + absl::Microseconds(999)));
}

absl::Status ConnectError(const std::string& socket, int err) {
  return absl::UnavailableError(absl::StrCat("cannot connect to ", socket, ": ", ErrnoText(err)));
}

// Connects to the engine's unix socket without blocking past `deadline`.
absl::StatusOr<Fd> Connect(const std::string& socket_path, absl::Time deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty()) return ConnectError(socket_path, ENOENT);
  if (socket_path.size() >= sizeof(addr.sun_path)) return ConnectError(socket_path, ENAMETOOLONG);
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return ConnectError(socket_path, errno);
  while (true) {
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN) {
      // A unix socket's full listen backlog: nothing is in progress, retry.
      if (absl::Now() >= deadline) return ConnectError(socket_path, ETIMEDOUT);
      absl::SleepFor(absl::Milliseconds(10));
      continue;
    }
    if (err != EINPROGRESS) return ConnectError(socket_path, err);
    pollfd p{fd.get(), POLLOUT, 0};
    const int ready = poll(&p, 1, PollMillis(deadline, absl::InfiniteDuration()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ConnectError(socket_path, ready == 0 ? ETIMEDOUT : errno);
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
    if (so_error != 0) return ConnectError(socket_path, so_error);
    return fd;
  }
}

absl::Status Timeout(absl::string_view what, absl::Duration limit) {
  return absl::DeadlineExceededError(
      absl::StrCat("the engine did not answer ", what, " within ", absl::FormatDuration(limit)));
}

absl::Status WriteAll(int fd, absl::string_view data, absl::Time deadline, absl::string_view what,
                      absl::Duration limit) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int ms = PollMillis(deadline, absl::InfiniteDuration());
      if (ms == 0) return Timeout(what, limit);
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, ms) < 0 && errno != EINTR) {
        return absl::UnavailableError(absl::StrCat("cannot send ", what, " to the engine: ", ErrnoText(errno)));
      }
      continue;
    }
    return absl::UnavailableError(absl::StrCat("cannot send ", what, " to the engine: ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

enum class Mode { kUnary, kStream, kHijack };

// Parser state of one response.
struct Exchange {
  Mode mode = Mode::kUnary;
  const std::function<bool(absl::string_view)>* on_chunk = nullptr;
  EngineResponse response;
  http::HeaderReader headers;
  bool head_done = false;
  bool complete = false;
  bool upgraded = false;   // hijack: the head is read, the rest is raw
  bool stopped = false;    // on_chunk asked to stop
  bool too_large = false;

  // Whether body bytes go to on_chunk rather than into the response.
  bool Streaming() const { return mode == Mode::kStream && response.status < 400; }
};

Exchange* Of(http_parser* p) { return static_cast<Exchange*>(p->data); }

const http_parser_settings& Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_header_field = [](http_parser* p, const char* at, size_t n) {
      Of(p)->headers.Field(at, n, &Of(p)->response.headers);
      return 0;
    };
    s.on_header_value = [](http_parser* p, const char* at, size_t n) {
      Of(p)->headers.Value(at, n);
      return 0;
    };
    s.on_headers_complete = [](http_parser* p) {
      Exchange* e = Of(p);
      e->headers.Flush(&e->response.headers);
      e->response.status = static_cast<int>(p->status_code);
      e->head_done = true;
      if (e->mode == Mode::kHijack && (p->status_code == 101 || p->status_code == 200)) {
        // 2 = "upgrade, no body": http_parser_execute stops right after the
        // head and what follows is the raw stream.
        e->upgraded = true;
        return 2;
      }
      return 0;
    };
    s.on_body = [](http_parser* p, const char* at, size_t n) {
      Exchange* e = Of(p);
      if (e->Streaming()) {
        if (!(*e->on_chunk)(absl::string_view(at, n))) {
          e->stopped = true;
          http_parser_pause(p, 1);
        }
        return 0;
      }
      if (e->response.body.size() + n > kMaxBodyBytes) {
        e->too_large = true;
        return 1;
      }
      e->response.body.append(at, n);
      return 0;
    };
    s.on_message_complete = [](http_parser* p) {
      Of(p)->complete = true;
      http_parser_pause(p, 1);  // one response per connection
      return 0;
    };
    return s;
  }();
  return settings;
}

// Fills json and message from the body.
void Finish(EngineResponse& response) {
  response.json.set_null_value(google::protobuf::NULL_VALUE);
  auto type = response.headers.find("content-type");
  if (type != response.headers.end() && absl::StrContains(absl::AsciiStrToLower(type->second), "json") &&
      !absl::StripAsciiWhitespace(response.body).empty()) {
    absl::StatusOr<Value> parsed = ParseJson(response.body);
    if (parsed.ok()) response.json = *std::move(parsed);
  }
  if (response.status >= 400) {
    response.message = StringField(response.json, "message");
    if (response.message.empty()) response.message = std::string(absl::StripAsciiWhitespace(response.body));
    if (response.message.empty()) {
      response.message = absl::AsciiStrToLower(http_status_str(static_cast<http_status>(response.status)));
    }
  }
}

bool ValidTarget(absl::string_view target) {
  if (!absl::StartsWith(target, "/")) return false;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool ValidHeader(absl::string_view name, absl::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == ':' || c == 0x7f) return false;
  }
  return value.find_first_of("\r\n") == absl::string_view::npos;
}

struct Request {
  absl::string_view method;
  std::string target;  // with the version prefix
  const Value* json_body = nullptr;
  std::vector<std::pair<std::string, std::string>> headers;
  Mode mode = Mode::kUnary;
  absl::Duration head_limit = absl::InfiniteDuration();  // until the head is read
  absl::Duration body_limit = absl::InfiniteDuration();  // until the whole response is read
  const std::function<bool(absl::string_view)>* on_chunk = nullptr;
  const std::atomic<bool>* cancel = nullptr;
};

struct Result {
  EngineResponse response;
  Fd fd;             // the connection (kept open for hijack)
  std::string rest;  // hijack: bytes read past the head
};

std::string RequestText(const Request& request, const std::string& body) {
  std::string text = absl::StrCat(request.method, " ", request.target, " HTTP/1.1\r\nHost: docker\r\n",
                                  "User-Agent: runed\r\n");
  if (request.mode == Mode::kHijack) {
    absl::StrAppend(&text, "Connection: Upgrade\r\nUpgrade: tcp\r\n");
  } else {
    absl::StrAppend(&text, "Connection: close\r\n");
  }
  for (const auto& [name, value] : request.headers) absl::StrAppend(&text, name, ": ", value, "\r\n");
  if (request.json_body != nullptr) absl::StrAppend(&text, "Content-Type: application/json\r\n");
  if (request.json_body != nullptr || request.method == "POST" || request.method == "PUT") {
    absl::StrAppend(&text, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&text, "\r\n", body);
  return text;
}

// Sends `request` on a connected socket and reads the answer: the whole
// response (unary), the head with the body handed to on_chunk (stream), or
// the head only (hijack).
absl::StatusOr<Result> Run(Fd fd, const Request& request) {
  const std::string what = absl::StrCat(request.method, " ", request.target);
  const absl::Time start = absl::Now();
  const absl::Time head_deadline = start + request.head_limit;
  const absl::Time body_deadline = start + request.body_limit;
  const std::string body = request.json_body != nullptr ? ToJson(*request.json_body) : std::string();
  if (absl::Status sent = WriteAll(fd.get(), RequestText(request, body), head_deadline, what, request.head_limit);
      !sent.ok()) {
    return sent;
  }

  Result result;
  Exchange exchange;
  exchange.mode = request.mode;
  exchange.on_chunk = request.on_chunk;
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &exchange;
  std::string buffer(kReadSize, '\0');
  while (true) {
    if (request.cancel != nullptr && request.cancel->load()) break;
    const absl::Time deadline = exchange.head_done ? body_deadline : head_deadline;
    const absl::Duration limit = exchange.head_done ? request.body_limit : request.head_limit;
    const int ms = PollMillis(deadline, request.cancel != nullptr ? kCancelPoll : absl::InfiniteDuration());
    if (ms == 0 && absl::Now() >= deadline) return Timeout(what, limit);
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = poll(&p, 1, ms);
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("cannot read the engine's answer to ", what, ": ", ErrnoText(errno)));
    }
    if (ready <= 0) continue;
    const ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return absl::UnavailableError(absl::StrCat("cannot read the engine's answer to ", what, ": ", ErrnoText(errno)));
    }
    const size_t parsed = http_parser_execute(&parser, &Settings(), buffer.data(), static_cast<size_t>(n));
    if (exchange.upgraded) {
      result.rest.assign(buffer.data() + parsed, static_cast<size_t>(n) - parsed);
      break;
    }
    if (exchange.too_large) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the engine's answer to ", what, " is larger than ", kMaxBodyBytes >> 20, " MiB"));
    }
    if (exchange.complete || exchange.stopped) break;
    const http_errno error = HTTP_PARSER_ERRNO(&parser);
    if (error != HPE_OK) {
      return absl::UnavailableError(
          absl::StrCat("malformed answer from the engine to ", what, ": ", http_errno_description(error)));
    }
    if (n == 0) {
      return absl::UnavailableError(
          absl::StrCat("the engine closed the connection before answering ", what, " completely"));
    }
  }
  if (!exchange.head_done) {
    // Only a cancel ends the loop before the head arrived.
    return absl::CancelledError(absl::StrCat(what, " was cancelled"));
  }
  exchange.response.headers.erase("");
  result.response = std::move(exchange.response);
  Finish(result.response);
  result.fd = std::move(fd);
  return result;
}

// Connects to the engine and runs `request`; a request line or header that
// would break the HTTP framing is InvalidArgument before anything is sent.
absl::StatusOr<Result> Send(const std::string& socket, absl::Duration connect_limit, const Request& request) {
  if (!ValidTarget(request.target)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid engine request path \"", request.target, "\""));
  }
  for (const auto& [name, value] : request.headers) {
    if (!ValidHeader(name, value)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid engine request header \"", name, "\""));
    }
  }
  absl::StatusOr<Fd> fd = Connect(socket, absl::Now() + connect_limit);
  if (!fd.ok()) return fd.status();
  return Run(*std::move(fd), request);
}

// "1.43" → {1, 43}; {-1, -1} when malformed.
std::pair<int, int> ParseVersion(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  int major = 0;
  int minor = 0;
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty() || !absl::SimpleAtoi(parts[0], &major) ||
      !absl::SimpleAtoi(parts[1], &minor) || major < 0 || minor < 0 || absl::StartsWith(parts[0], "+") ||
      absl::StartsWith(parts[1], "+")) {
    return {-1, -1};
  }
  return {major, minor};
}

bool ValidVersion(absl::string_view text) { return ParseVersion(text).first >= 0; }

}  // namespace

HijackedStream::HijackedStream(int fd, std::string already_read) : fd_(fd), buffered_(std::move(already_read)) {}

HijackedStream::HijackedStream(HijackedStream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffered_(std::move(other.buffered_)) {}

HijackedStream& HijackedStream::operator=(HijackedStream&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffered_ = std::move(other.buffered_);
  }
  return *this;
}

HijackedStream::~HijackedStream() {
  if (fd_ >= 0) close(fd_);
}

void HijackedStream::CloseWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

void FrameDemuxer::Feed(absl::string_view data,
                        const std::function<void(int stream, absl::string_view payload)>& out) {
  pending_.append(data.data(), data.size());
  size_t at = 0;
  while (pending_.size() - at >= 8) {
    const auto* head = reinterpret_cast<const unsigned char*>(pending_.data() + at);
    const size_t size = (size_t{head[4]} << 24) | (size_t{head[5]} << 16) | (size_t{head[6]} << 8) | head[7];
    if (pending_.size() - at - 8 < size) break;
    out(head[0], absl::string_view(pending_.data() + at + 8, size));
    at += 8 + size;
  }
  pending_.erase(0, at);
}

EngineClient::EngineClient(EngineOptions options) : options_(std::move(options)) {}

std::string EngineClient::api_version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

absl::Status EngineClient::Negotiate() {
  std::string version = options_.api_version;
  if (!version.empty()) {
    if (!ValidVersion(version)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid engine API version \"", version, "\""));
    }
  } else {
    absl::StatusOr<Fd> fd = Connect(options_.socket, absl::Now() + options_.negotiation_timeout);
    if (!fd.ok()) return fd.status();
    Request ping;
    ping.method = "GET";
    ping.target = "/_ping";
    ping.head_limit = options_.negotiation_timeout;
    ping.body_limit = options_.negotiation_timeout;
    absl::StatusOr<Result> answer = Run(*std::move(fd), ping);
    std::string pinged;
    if (answer.ok() && answer->response.status == 200) {
      auto header = answer->response.headers.find("api-version");
      if (header != answer->response.headers.end()) {
        pinged = std::string(absl::StripAsciiWhitespace(header->second));
      }
    }
    if (ValidVersion(pinged)) {
      version = ParseVersion(pinged) < ParseVersion(kNewestVersion) ? pinged : kNewestVersion;
    } else {
      // No usable answer within the negotiation timeout.
      version = options_.fallback_api_version;
      if (!ValidVersion(version)) {
        return absl::InvalidArgumentError(absl::StrCat("invalid fallback engine API version \"", version, "\""));
      }
    }
  }
  if (ParseVersion(version) < ParseVersion(kOldestVersion)) {
    return absl::FailedPreconditionError(
        absl::StrCat("engine API version ", version, " is older than ", kOldestVersion));
  }
  absl::MutexLock lock(&mu_);
  version_ = version;
  return absl::OkStatus();
}

namespace {

std::string Versioned(absl::string_view version, absl::string_view path) {
  if (version.empty()) return std::string(path);
  return absl::StrCat("/v", version, path);
}

}  // namespace

absl::StatusOr<EngineResponse> EngineClient::Call(absl::string_view method, absl::string_view path,
                                                  const google::protobuf::Value* json_body,
                                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                                  absl::Duration timeout) {
  if (timeout == absl::ZeroDuration()) timeout = options_.request_timeout;
  Request request;
  request.method = method;
  request.target = Versioned(api_version(), path);
  request.json_body = json_body;
  request.headers = headers;
  request.head_limit = timeout;
  request.body_limit = timeout;
  absl::StatusOr<Result> result = Send(options_.socket, std::min(timeout, options_.request_timeout), request);
  if (!result.ok()) return result.status();
  return std::move(result->response);
}

absl::StatusOr<EngineResponse> EngineClient::Stream(absl::string_view method, absl::string_view path,
                                                    const google::protobuf::Value* json_body,
                                                    const std::function<bool(absl::string_view)>& on_chunk,
                                                    const std::atomic<bool>* cancel,
                                                    const std::vector<std::pair<std::string, std::string>>& headers) {
  Request request;
  request.method = method;
  request.target = Versioned(api_version(), path);
  request.json_body = json_body;
  request.headers = headers;
  request.mode = Mode::kStream;
  request.head_limit = options_.request_timeout;
  request.on_chunk = &on_chunk;
  request.cancel = cancel;
  absl::StatusOr<Result> result = Send(options_.socket, options_.request_timeout, request);
  if (!result.ok()) return result.status();
  return std::move(result->response);
}

absl::StatusOr<HijackedStream> EngineClient::Hijack(absl::string_view path, const google::protobuf::Value& json_body) {
  Request request;
  request.method = "POST";
  request.target = Versioned(api_version(), path);
  request.json_body = &json_body;
  request.mode = Mode::kHijack;
  request.head_limit = options_.request_timeout;
  request.body_limit = options_.request_timeout;
  absl::StatusOr<Result> result = Send(options_.socket, options_.request_timeout, request);
  if (!result.ok()) return result.status();
  const EngineResponse& response = result->response;
  if (response.status >= 400) return absl::FailedPreconditionError(response.message);
  if (response.status != 101 && response.status != 200) {
    return absl::FailedPreconditionError(absl::StrCat("the engine answered ", response.status, " to POST ",
                                                      request.target, " instead of taking over the connection"));
  }
  // The taker reads and writes with plain blocking calls.
  const int fd_value = result->fd.release();
  const int flags = fcntl(fd_value, F_GETFL);
  if (flags >= 0) fcntl(fd_value, F_SETFL, flags & ~O_NONBLOCK);
  return HijackedStream(fd_value, std::move(result->rest));
}

absl::StatusOr<google::protobuf::Value> ParseJson(absl::string_view text) {
  Value value;
  google::protobuf::util::JsonParseOptions options;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &value, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", std::string(status.message())));
  }
  return value;
}

google::protobuf::Value Str(absl::string_view s) {
  google::protobuf::Value v;
  v.set_string_value(std::string(s));
  return v;
}

google::protobuf::Value Num(double d) {
  google::protobuf::Value v;
  v.set_number_value(d);
  return v;
}

google::protobuf::Value Bool(bool b) {
  google::protobuf::Value v;
  v.set_bool_value(b);
  return v;
}

google::protobuf::Value Object() {
  google::protobuf::Value v;
  v.mutable_struct_value();
  return v;
}

google::protobuf::Value List(const std::vector<std::string>& items) {
  google::protobuf::Value v;
  auto* list = v.mutable_list_value();
  for (const std::string& item : items) *list->add_values() = Str(item);
  return v;
}

google::protobuf::Value& At(google::protobuf::Value& object, const std::string& key) {
  return (*object.mutable_struct_value()->mutable_fields())[key];
}

std::string ToJson(const google::protobuf::Value& value) {
  if (value.kind_case() == Value::KIND_NOT_SET) return "null";
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(value, &out).ok()) return "null";
  return out;
}

const google::protobuf::Value& Field(const google::protobuf::Value& object, absl::string_view key) {
  static const Value* const kNull = [] {
    auto* null = new Value;
    null->set_null_value(google::protobuf::NULL_VALUE);
    return null;
  }();
  if (object.kind_case() != Value::kStructValue) return *kNull;
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(std::string(key));
  return it == fields.end() ? *kNull : it->second;
}

std::string StringField(const google::protobuf::Value& object, absl::string_view key) {
  const Value& v = Field(object, key);
  return v.kind_case() == Value::kStringValue ? v.string_value() : std::string();
}

double NumberField(const google::protobuf::Value& object, absl::string_view key) {
  const Value& v = Field(object, key);
  return v.kind_case() == Value::kNumberValue ? v.number_value() : 0;
}

bool BoolField(const google::protobuf::Value& object, absl::string_view key) {
  const Value& v = Field(object, key);
  return v.kind_case() == Value::kBoolValue && v.bool_value();
}

}  // namespace rune::daemon::docker
