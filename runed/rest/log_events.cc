#include "runed/rest/log_events.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/log.grpc.pb.h"
#include "runed/rest/bridge.h"

namespace rune::daemon {
namespace {

// One StreamLogs call, shared by the handler, the stream function and the
// stream's close callback (which may run after both returned).
struct LogCall {
  std::unique_ptr<api::LogService::Stub> stub;
  std::unique_ptr<grpc::ClientContext> ctx;
  std::unique_ptr<grpc::ClientReader<api::StreamLogsResponse>> reader;
  api::StreamLogsResponse first;
};

std::string IdOr(std::string id, const std::string& fallback) { return id.empty() ? fallback : id; }

}  // namespace

std::string LogEvents(const api::StreamLogsResponse& batch) {
  std::string out;
  for (const api::LogLine& line : batch.lines())
    absl::StrAppend(&out, "data: ", ProtoJson(line), "\n\n");
  return out;
}

HttpResponse StreamLogEvents(const std::shared_ptr<grpc::Channel>& channel, const HttpRequest& http,
                             const api::StreamLogsRequest& request,
                             const std::string& fallback_id) {
  auto call = std::make_shared<LogCall>();
  call->stub = api::LogService::NewStub(channel);
  call->ctx = CallContext(http, absl::InfiniteDuration());
  call->reader = call->stub->StreamLogs(call->ctx.get(), request);
  if (!call->reader->Read(&call->first)) {
    const grpc::Status status = call->reader->Finish();
    const std::string id = IdOr(FinishedRequestId(*call->ctx), fallback_id);
    if (!status.ok()) return ErrorResponse(status.error_code(), status.error_message(), id);
    HttpResponse empty;  // nothing to send and not following
    empty.content_type = "text/event-stream";
    empty.headers.emplace_back("X-Rune-Request-Id", id);
    return empty;
  }
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("X-Rune-Request-Id", IdOr(StreamRequestId(*call->ctx), fallback_id));
  r.stream = [call, fallback_id](HttpStream& out) {
    out.OnClose([call] { call->ctx->TryCancel(); });
    bool open = out.Write(LogEvents(call->first));
    api::StreamLogsResponse next;
    while (open && call->reader->Read(&next)) open = out.Write(LogEvents(next));
    if (!open) {
      call->ctx->TryCancel();
      while (call->reader->Read(&next)) {
      }
    }
    const grpc::Status status = call->reader->Finish();
    if (open && !status.ok()) {
      const HttpResponse error = ErrorResponse(status.error_code(), status.error_message(),
                                               IdOr(FinishedRequestId(*call->ctx), fallback_id));
      out.Write(absl::StrCat("event: error\ndata: ", error.body, "\n\n"));
    }
  };
  return r;
}

}  // namespace rune::daemon
