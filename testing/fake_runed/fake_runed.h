// A scriptable fake runed (SPEC §2.8): an in-process gRPC server that answers
// each method with a scripted status (any code, message, request ID, hint) or
// a scripted response, so error paths a real runed cannot produce on demand
// are reproducible. Unscripted methods answer UNIMPLEMENTED.
//
// Script (YAML):
//   - method: HealthService.GetVersion
//     code: NotFound                 # canonical name; OK for a response
//     message: "service \"api\" not found in namespace \"default\""
//     request_id: 9f2c4e71a0b3d586
//     hint: "run 'rune get services -n default' to list services"
//   - method: HealthService.GetVersion
//     code: OK
//     response: 'version: "v9.9.9" platform: "linux/amd64"'   # text format
//   - method: LogService.StreamLogs      # a server stream: messages, then the status
//     stream:
//       - 'lines { instance_name: "api-0" content: "ready" }'
//     code: Unavailable
//     message: "server is shutting down"
//
//   absl::StatusOr<std::unique_ptr<FakeRuned>> fake = FakeRuned::Start(script_text);
//   (*fake)->address();   // "127.0.0.1:41234"
#ifndef RUNE_TESTING_FAKE_RUNED_FAKE_RUNED_H_
#define RUNE_TESTING_FAKE_RUNED_FAKE_RUNED_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"

namespace rune::testing {

struct ScriptedCall {
  std::string method;  // "/rune.api.HealthService/GetVersion"
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::string request_id;
  std::string hint;
  // Serialized messages sent before the status: `stream`, or the one
  // `response` of a call that answers OK.
  std::vector<std::string> responses;
};

// Parses a script; InvalidArgument for unknown methods, codes or fields.
absl::StatusOr<std::vector<ScriptedCall>> ParseScript(const std::string& yaml);

class FakeRuned {
 public:
  static absl::StatusOr<std::unique_ptr<FakeRuned>> Start(const std::string& script_yaml);
  ~FakeRuned();

  std::string address() const { return address_; }

 private:
  class Service;
  FakeRuned() = default;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace rune::testing

#endif  // RUNE_TESTING_FAKE_RUNED_FAKE_RUNED_H_
