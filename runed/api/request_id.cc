#include "runed/api/request_id.h"

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "runed/logging.h"

namespace rune::daemon {
namespace {

struct CallInfo {
  std::string request_id;
  std::string method;
  std::string subject;
};

class Registry {
 public:
  void Add(const grpc::ServerContextBase* ctx, std::string id, std::string method) {
    absl::MutexLock lock(&mu_);
    calls_[ctx] = CallInfo{std::move(id), std::move(method), ""};
  }
  void Remove(const grpc::ServerContextBase* ctx) {
    absl::MutexLock lock(&mu_);
    calls_.erase(ctx);
  }
  CallInfo Get(const grpc::ServerContextBase* ctx) {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(ctx);
    return it == calls_.end() ? CallInfo{} : it->second;
  }
  void SetSubject(const grpc::ServerContextBase* ctx, absl::string_view subject) {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(ctx);
    if (it != calls_.end()) it->second.subject = std::string(subject);
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, CallInfo> calls_ ABSL_GUARDED_BY(mu_);
};

Registry& Calls() {
  static Registry* const kRegistry = new Registry();
  return *kRegistry;
}

class RequestIdInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestIdInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), id_(NewRequestId()), start_(absl::Now()) {
    info_->server_context()->AddInitialMetadata(kRequestIdKey, id_);
    info_->server_context()->AddTrailingMetadata(kRequestIdKey, id_);
    Calls().Add(info_->server_context(), id_, info_->method() != nullptr ? info_->method() : "");
  }
  ~RequestIdInterceptor() override { Calls().Remove(info_->server_context()); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const absl::StatusCode code = static_cast<absl::StatusCode>(status.error_code());
      const bool quiet = status.ok() || code == absl::StatusCode::kNotFound ||
                         code == absl::StatusCode::kAlreadyExists;
      const LogLevel level = quiet ? LogLevel::kDebug : LogLevel::kInfo;
      if (Log().Enabled(level)) {
        const CallInfo call = Calls().Get(info_->server_context());
        LogFields fields = {
            {"method", info_->method() != nullptr ? info_->method() : ""},
            {"code", common::CodeName(code)},
            {"request_id", id_},
            {"subject", call.subject.empty() ? "-" : call.subject},
            {"peer", PeerOf(info_->server_context())},
            {"duration_ms", absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - start_))},
        };
        if (!status.ok()) fields.emplace_back("error", status.error_message());
        Log().Write(level, "rpc", fields);
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  const std::string id_;
  const absl::Time start_;
};

class RequestIdInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestIdInterceptor(info);
  }
};

}  // namespace

std::string NewRequestId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
}

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
RequestIdInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<RequestIdInterceptorFactory>());
  return out;
}

const std::string& GatewayKey() {
  static const std::string* const kKey = new std::string(NewRequestId() + NewRequestId());
  return *kKey;
}

std::string PeerOf(const grpc::ServerContextBase* ctx) {
  const auto& md = ctx->client_metadata();
  auto key = md.find(kGatewayKeyKey);
  auto peer = md.find(kHttpPeerKey);
  if (key == md.end() || peer == md.end()) return ctx->peer();
  // Constant time: the key is a secret.
  const std::string& want = GatewayKey();
  unsigned char diff = key->second.size() == want.size() ? 0 : 1;
  for (size_t i = 0; i < want.size() && i < key->second.size(); ++i) {
    diff |= static_cast<unsigned char>(key->second.data()[i] ^ want[i]);
  }
  if (diff != 0) return ctx->peer();
  return std::string(peer->second.data(), peer->second.size());
}

std::string RequestIdOf(const grpc::ServerContextBase* ctx) { return Calls().Get(ctx).request_id; }

std::string MethodOf(const grpc::ServerContextBase* ctx) { return Calls().Get(ctx).method; }

void SetSubjectOf(const grpc::ServerContextBase* ctx, absl::string_view subject) {
  Calls().SetSubject(ctx, subject);
}

}  // namespace rune::daemon
