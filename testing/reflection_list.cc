// Asks a gRPC server for its services through server reflection
// (grpc.reflection.v1alpha), as grpcurl's `list` does: the check that
// runed's `server.reflection` switch really serves it.
//
//   reflection_list 127.0.0.1:7863   # one service name per line, exit 0;
//                                    # "<CODE>: <message>" and exit 1 when
//                                    # the server does not answer it
#include <cstdio>
#include <memory>

#include "grpcpp/grpcpp.h"
#include "src/proto/grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace reflection = grpc::reflection::v1alpha;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: reflection_list <host:port>\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto stub = reflection::ServerReflection::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&ctx);
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  stream->Write(request);
  stream->WritesDone();
  reflection::ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      std::printf("%s\n", service.name().c_str());
    }
  }
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    static const char* const kNames[] = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
        "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED"};
    const int code = status.error_code();
    std::fprintf(stderr, "%s: %s\n", code >= 0 && code <= 16 ? kNames[code] : "?",
                 status.error_message().c_str());
    return 1;
  }
  return 0;
}
