#include "runed/api/node_usage.h"

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rune::daemon {
namespace {

constexpr absl::Duration kWindow = absl::Milliseconds(250);
constexpr absl::Duration kMinSince = absl::Milliseconds(500);
constexpr absl::Duration kMaxSince = absl::Seconds(60);

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<CpuTimes> ParseProcStat(absl::string_view text) {
  CpuTimes times;
  bool found = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, "cpu")) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields[0] != "cpu") {
      ++times.cpus;
      continue;
    }
    // user nice system idle iowait irq softirq steal (guest times are
    // already part of user and nice).
    uint64_t values[8] = {};
    const size_t n = std::min<size_t>(fields.size() - 1, 8);
    if (n < 4) return absl::DataLossError("malformed cpu line in /proc/stat");
    for (size_t i = 0; i < n; ++i) {
      if (!absl::SimpleAtoi(fields[i + 1], &values[i])) {
        return absl::DataLossError("malformed cpu line in /proc/stat");
      }
    }
    for (uint64_t v : values) times.total += v;
    times.busy = times.total - values[3] - values[4];
    found = true;
  }
  if (!found) return absl::DataLossError("no cpu line in /proc/stat");
  return times;
}

absl::StatusOr<std::pair<int64_t, int64_t>> ParseMeminfo(absl::string_view text) {
  int64_t total = -1;
  int64_t available = -1;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view key = line.substr(0, colon);
    if (key != "MemTotal" && key != "MemAvailable") continue;
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    const bool kib = absl::ConsumeSuffix(&value, " kB");
    int64_t n = 0;
    if (!absl::SimpleAtoi(value, &n)) return absl::DataLossError("malformed /proc/meminfo");
    if (kib) n *= 1024;
    (key == "MemTotal" ? total : available) = n;
  }
  if (total < 0 || available < 0) {
    return absl::DataLossError("MemTotal or MemAvailable missing from /proc/meminfo");
  }
  return std::make_pair(total, std::max<int64_t>(total - available, 0));
}

double CoresBetween(const CpuTimes& before, const CpuTimes& after) {
  if (after.total <= before.total || after.busy < before.busy) return 0;
  const double share =
      static_cast<double>(after.busy - before.busy) / static_cast<double>(after.total - before.total);
  return share * after.cpus;
}

NodeSampler::NodeSampler(std::string proc_dir, std::function<absl::Time()> clock,
                         std::function<void(absl::Duration)> sleep)
    : proc_dir_(std::move(proc_dir)), clock_(std::move(clock)), sleep_(std::move(sleep)) {}

absl::StatusOr<CpuTimes> NodeSampler::ReadCpu() const {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat(proc_dir_, "/stat"));
  if (!stat.ok()) return stat.status();
  absl::StatusOr<CpuTimes> times = ParseProcStat(*stat);
  if (!times.ok()) return absl::InternalError(times.status().message());
  return times;
}

absl::StatusOr<NodeUsage> NodeSampler::Sample() {
  std::optional<CpuTimes> before;
  {
    absl::MutexLock lock(&mu_);
    const absl::Duration since = clock_() - last_at_;
    if (last_.has_value() && since >= kMinSince && since <= kMaxSince) before = last_;
  }
  if (!before.has_value()) {
    absl::StatusOr<CpuTimes> first = ReadCpu();
    if (!first.ok()) return first.status();
    before = *first;
    sleep_(kWindow);
  }
  absl::StatusOr<CpuTimes> now = ReadCpu();
  if (!now.ok()) return now.status();
  absl::StatusOr<std::string> meminfo = ReadFile(absl::StrCat(proc_dir_, "/meminfo"));
  if (!meminfo.ok()) return meminfo.status();
  absl::StatusOr<std::pair<int64_t, int64_t>> memory = ParseMeminfo(*meminfo);
  if (!memory.ok()) return absl::InternalError(memory.status().message());
  {
    absl::MutexLock lock(&mu_);
    last_ = *now;
    last_at_ = clock_();
  }
  NodeUsage usage;
  usage.cpu_cores = CoresBetween(*before, *now);
  usage.cpu_count = now->cpus;
  usage.memory_total_bytes = memory->first;
  usage.memory_bytes = memory->second;
  return usage;
}

}  // namespace rune::daemon
