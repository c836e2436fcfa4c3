#include "runed/api/exec_service.h"

#include <utility>

#include "runed/api/exec_session.h"

namespace rune::daemon {

ExecServiceImpl::~ExecServiceImpl() {
  EndSessions();
  std::list<Session> sessions;
  {
    absl::MutexLock lock(&mu_);
    sessions.swap(sessions_);
  }
  for (Session& s : sessions) s.thread.join();
}

void ExecServiceImpl::EndSessions() {
  absl::MutexLock lock(&mu_);
  for (Session& s : sessions_) s.channel->Shutdown();
}

grpc::ServerBidiReactor<api::ExecRequest, api::ExecResponse>* ExecServiceImpl::Exec(
    grpc::CallbackServerContext* ctx) {
  auto [channel, reactor] = ExecChannel::Open(ctx);
  const ExecDeps deps{store_, authz_, runner_};
  auto done = std::make_shared<std::atomic<bool>>(false);
  absl::MutexLock lock(&mu_);
  // Threads of ended sessions are joined here (they have returned or are
  // about to), so the list stays as long as the open sessions.
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->done->load()) {
      ++it;
      continue;
    }
    it->thread.join();
    it = sessions_.erase(it);
  }
  Session session;
  session.channel = channel;
  session.done = done;
  session.thread = std::thread([channel = channel, deps, done] {
    RunExecSession(channel, deps);
    done->store(true);
  });
  sessions_.push_back(std::move(session));
  return reactor;
}

}  // namespace rune::daemon
