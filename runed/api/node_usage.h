// CPU and memory in use on the node, from /proc (SPEC §3.6.9 node table):
// CPU in cores over a sampling window (busy jiffies / all jiffies × CPUs),
// memory as MemTotal − MemAvailable.
//
//   NodeSampler sampler;                       // reads /proc
//   RUNE_ASSIGN_OR_RETURN(NodeUsage u, sampler.Sample());
//   // u.cpu_cores 0.412, u.cpu_count 8, u.memory_bytes 3221225472, …
//
// The CPU figure covers the time since the previous Sample when that was
// between 0.5 s and 60 s ago; otherwise Sample measures over 250 ms.
#ifndef RUNE_RUNED_API_NODE_USAGE_H_
#define RUNE_RUNED_API_NODE_USAGE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rune::daemon {

struct NodeUsage {
  double cpu_cores = 0;
  int cpu_count = 0;
  int64_t memory_bytes = 0;
  int64_t memory_total_bytes = 0;
};

// Jiffies of the aggregate `cpu` line of /proc/stat.
struct CpuTimes {
  uint64_t busy = 0;   // all but idle and iowait
  uint64_t total = 0;
  int cpus = 0;        // `cpuN` lines
};

// DataLoss when the text has no usable `cpu` line.
absl::StatusOr<CpuTimes> ParseProcStat(absl::string_view text);

// {MemTotal, MemTotal − MemAvailable} in bytes; DataLoss when a field is
// missing.
absl::StatusOr<std::pair<int64_t, int64_t>> ParseMeminfo(absl::string_view text);

// Cores in use between two samples of `cpus` CPUs.
double CoresBetween(const CpuTimes& before, const CpuTimes& after);

class NodeSampler {
 public:
  // `proc_dir` is /proc except in tests; `sleep` waits out the sampling
  // window.
  explicit NodeSampler(std::string proc_dir = "/proc",
                       std::function<absl::Time()> clock = &absl::Now,
                       std::function<void(absl::Duration)> sleep = &absl::SleepFor);

  // Internal when /proc cannot be read or parsed.
  absl::StatusOr<NodeUsage> Sample() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::StatusOr<CpuTimes> ReadCpu() const;

  const std::string proc_dir_;
  const std::function<absl::Time()> clock_;
  const std::function<void(absl::Duration)> sleep_;
  absl::Mutex mu_;
  std::optional<CpuTimes> last_ ABSL_GUARDED_BY(mu_);
  absl::Time last_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_NODE_USAGE_H_
