#include "testing/fake_runed/fake_runed.h"

#include "proto/api_descriptors.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/yaml/node.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/support/byte_buffer.h"
#include "proto/admin.grpc.pb.h"
#include "proto/auth.grpc.pb.h"
#include "proto/configmap.grpc.pb.h"
#include "proto/exec.grpc.pb.h"
#include "proto/health.grpc.pb.h"
#include "proto/instance.grpc.pb.h"
#include "proto/log.grpc.pb.h"
#include "proto/namespace.grpc.pb.h"
#include "proto/secret.grpc.pb.h"
#include "proto/service.grpc.pb.h"

namespace rune::testing {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::MethodDescriptor;

absl::Status Bad(absl::string_view message) { return absl::InvalidArgumentError(message); }

bool ParseCode(const std::string& name, grpc::StatusCode* code) {
  for (int c = 0; c <= 16; ++c) {
    if (common::CodeName(static_cast<absl::StatusCode>(c)) == name) {
      *code = static_cast<grpc::StatusCode>(c);
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<ScriptedCall>> ParseScript(const std::string& yaml) {
  api::LinkApiDescriptors();
  absl::StatusOr<std::vector<common::yaml::Document>> docs = common::yaml::ParseDocuments(yaml);
  if (!docs.ok()) return docs.status();
  std::vector<ScriptedCall> calls;
  if (docs->empty() || docs->front().empty) return calls;
  const common::yaml::Node& root = docs->front().root;
  if (!root.IsSequence()) return Bad("script: expected a list of calls");
  for (const common::yaml::Node& item : root.items) {
    if (!item.IsMapping()) return Bad("script: each call is a mapping");
    ScriptedCall call;
    std::string method, code = "OK", response;
    std::vector<std::string> stream;
    bool has_stream = false;
    for (const auto& [k, v] : item.entries) {
      if (k.value == "method") method = v.value;
      else if (k.value == "code") code = v.value;
      else if (k.value == "message") call.message = v.value;
      else if (k.value == "request_id") call.request_id = v.value;
      else if (k.value == "hint") call.hint = v.value;
      else if (k.value == "response") response = v.value;
      else if (k.value == "stream" && v.IsSequence()) {
        has_stream = true;
        for (const common::yaml::Node& m : v.items) stream.push_back(m.value);
      } else {
        return Bad(absl::StrCat("script: unknown field \"", k.value, "\""));
      }
    }
    const MethodDescriptor* m =
        DescriptorPool::generated_pool()->FindMethodByName(absl::StrCat("rune.api.", method));
    if (m == nullptr) return Bad(absl::StrCat("script: unknown method \"", method, "\""));
    call.method = absl::StrCat("/", m->service()->full_name(), "/", m->name());
    if (!ParseCode(code, &call.code)) return Bad(absl::StrCat("script: unknown code \"", code, "\""));
    if (has_stream && !m->server_streaming()) {
      return Bad(absl::StrCat("script: ", method, " is not a server stream"));
    }
    if (!has_stream && call.code == grpc::StatusCode::OK) stream.push_back(response);
    for (const std::string& text : stream) {
      google::protobuf::DynamicMessageFactory factory;
      std::unique_ptr<google::protobuf::Message> msg(factory.GetPrototype(m->output_type())->New());
      if (!google::protobuf::TextFormat::ParseFromString(text, msg.get())) {
        return Bad(absl::StrCat("script: response of ", method, " is not valid text format"));
      }
      call.responses.push_back(msg->SerializeAsString());
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

// Answers each call with the first scripted entry for its method.
class FakeRuned::Service : public grpc::CallbackGenericService {
 public:
  explicit Service(std::vector<ScriptedCall> calls) : calls_(std::move(calls)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    const ScriptedCall* call = nullptr;
    for (const ScriptedCall& c : calls_) {
      if (c.method == ctx->method()) {
        call = &c;
        break;
      }
    }
    return new Reactor(ctx, call);
  }

 private:
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(grpc::GenericCallbackServerContext* ctx, const ScriptedCall* call) : call_(call) {
      if (call_ == nullptr) {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not scripted: " + ctx->method()));
        return;
      }
      if (!call_->request_id.empty()) {
        ctx->AddInitialMetadata("x-rune-request-id", call_->request_id);
        ctx->AddTrailingMetadata("x-rune-request-id", call_->request_id);
      }
      if (!call_->hint.empty()) ctx->AddTrailingMetadata("x-rune-hint", call_->hint);
      StartRead(&request_);
    }
    void OnReadDone(bool /*ok*/) override { WriteNext(); }
    void OnWriteDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
        return;
      }
      WriteNext();
    }
    void OnDone() override { delete this; }

   private:
    // The scripted messages one by one, then the scripted status.
    void WriteNext() {
      if (next_ == call_->responses.size()) {
        Finish(grpc::Status(call_->code, call_->message));
        return;
      }
      grpc::Slice slice(call_->responses[next_++]);
      response_ = grpc::ByteBuffer(&slice, 1);
      StartWrite(&response_);
    }

    const ScriptedCall* call_;
    size_t next_ = 0;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  std::vector<ScriptedCall> calls_;
};

absl::StatusOr<std::unique_ptr<FakeRuned>> FakeRuned::Start(const std::string& script_yaml) {
  absl::StatusOr<std::vector<ScriptedCall>> calls = ParseScript(script_yaml);
  if (!calls.ok()) return calls.status();
  std::unique_ptr<FakeRuned> fake(new FakeRuned());
  fake->service_ = std::make_unique<Service>(std::move(*calls));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(fake->service_.get());
  fake->server_ = builder.BuildAndStart();
  if (fake->server_ == nullptr || port == 0) return absl::InternalError("fake runed: cannot listen");
  fake->address_ = absl::StrCat("127.0.0.1:", port);
  return fake;
}

FakeRuned::~FakeRuned() {
  if (server_ != nullptr) server_->Shutdown();
}

}  // namespace rune::testing
