#include "runed/api/streams.h"

#include <vector>

namespace rune::daemon {

uint64_t StreamRegistry::Add(std::function<void()> end) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return 0;
  const uint64_t id = next_++;
  ends_.emplace(id, std::move(end));
  return id;
}

void StreamRegistry::Remove(uint64_t id) {
  absl::MutexLock lock(&mu_);
  ends_.erase(id);
}

void StreamRegistry::Shutdown() {
  std::vector<std::function<void()>> ends;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [id, end] : ends_) ends.push_back(end);
  }
  for (auto& end : ends) end();
}

StreamRegistry& Streams() {
  static StreamRegistry* const kRegistry = new StreamRegistry();
  return *kRegistry;
}

grpc::Status ShuttingDownStatus() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server is shutting down");
}

}  // namespace rune::daemon
