// ExecService (SPEC §3.6.8, §5.12): runs a command inside a running instance
// over one bidi stream. Each session gets its own thread that authorizes,
// resolves the target, starts the command through the Runner and pumps its
// stdin, output, signals and exit status (exec_session.h), so the gRPC
// reactor threads never wait on the store or on the process.
//
//   ExecServiceImpl exec(store, &authorizer, runner);   // runner may be null
//   builder.RegisterService(&exec);
//   …
//   server->Shutdown();   // then ~ExecServiceImpl kills what is left and joins
#ifndef RUNE_RUNED_API_EXEC_SERVICE_H_
#define RUNE_RUNED_API_EXEC_SERVICE_H_

#include <atomic>
#include <list>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "proto/exec.grpc.pb.h"
#include "runed/auth/authorizer.h"
#include "runed/runner/runner.h"
#include "runed/store/store.h"

namespace rune::daemon {

class ExecChannel;

class ExecServiceImpl final : public api::ExecService::CallbackService {
 public:
  // `runner` null: every session that gets past authorization and target
  // resolution ends with Unavailable `process runner is not available`.
  ExecServiceImpl(store::Store* store, auth::Authorizer* authorizer, runner::Runner* runner)
      : store_(store), authz_(authorizer), runner_(runner) {}
  // Ends the sessions still open (EndSessions) and joins their threads.
  ~ExecServiceImpl() override;

  // Ends every open session with Unavailable `server is shutting down` (M46)
  // after SIGKILL to its command — what runed's shutdown does to each
  // session through Streams().
  void EndSessions() ABSL_LOCKS_EXCLUDED(mu_);

  grpc::ServerBidiReactor<api::ExecRequest, api::ExecResponse>* Exec(
      grpc::CallbackServerContext* ctx) override;

 private:
  struct Session {
    std::shared_ptr<ExecChannel> channel;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  store::Store* store_;
  auth::Authorizer* authz_;
  runner::Runner* runner_;
  absl::Mutex mu_;
  std::list<Session> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_EXEC_SERVICE_H_
