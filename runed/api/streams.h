// Open server streams that must end when runed shuts down: every stream
// registers an "end" callback; Shutdown() ends them all with Unavailable
// `server is shutting down` (M46, SPEC §5.3).
//
//   uint64_t id = Streams().Add([reactor] { reactor->End(ShuttingDownStatus()); });
//   …
//   Streams().Remove(id);
#ifndef RUNE_RUNED_API_STREAMS_H_
#define RUNE_RUNED_API_STREAMS_H_

#include <cstdint>
#include <functional>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/status.h"

namespace rune::daemon {

class StreamRegistry {
 public:
  // Registers a stream; returns 0 (and does not register) once shutdown began.
  uint64_t Add(std::function<void()> end) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends every registered stream; later Add() calls return 0.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::function<void()>> ends_ ABSL_GUARDED_BY(mu_);
};

// The process-wide registry.
StreamRegistry& Streams();

// Unavailable `server is shutting down`.
grpc::Status ShuttingDownStatus();

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_STREAMS_H_
