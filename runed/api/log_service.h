// LogService (SPEC §3.6.7, §5.11): StreamLogs sends the selected history of
// a service's or instance's logs merged by timestamp and, with `follow`, the
// lines written after it, including those of instances created later. Each
// stream gets its own thread that authorizes, resolves the target and reads
// the log files, so the gRPC reactor threads never wait on the disk. A
// follow with no history to send starts with one empty message.
//
//   LogServiceImpl logs(store, &authorizer, &log_store);
//   builder.RegisterService(&logs);
//   …
//   Streams().Shutdown();   // open follows end with M46
//   server->Shutdown();     // then ~LogServiceImpl joins the stream threads
#ifndef RUNE_RUNED_API_LOG_SERVICE_H_
#define RUNE_RUNED_API_LOG_SERVICE_H_

#include <atomic>
#include <list>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "proto/log.grpc.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/logstore/log_store.h"
#include "runed/store/store.h"

namespace rune::daemon {

class LogServiceImpl final : public api::LogService::CallbackService {
 public:
  LogServiceImpl(store::Store* store, auth::Authorizer* authorizer, logstore::LogStore* logs)
      : store_(store), authz_(authorizer), logs_(logs) {}
  // Ends the streams still open (Unavailable, M46) and joins their threads.
  ~LogServiceImpl() override;

  // Errors: the authorizer's (verb `watch` on `service` or `instance`, the
  // target's kind); InvalidArgument for a bad grep, `tail` < -1, `until`
  // with `follow` or not after `since`; NotFound M14/M16 for the target.
  grpc::ServerWriteReactor<api::StreamLogsResponse>* StreamLogs(
      grpc::CallbackServerContext* ctx, const api::StreamLogsRequest* request) override;

 private:
  class Stream;
  struct Worker {
    std::shared_ptr<Stream> stream;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  store::Store* store_;
  auth::Authorizer* authz_;
  logstore::LogStore* logs_;
  absl::Mutex mu_;
  std::list<Worker> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_LOG_SERVICE_H_
