// The log store of SPEC §5.11 as runed sees it: the per-instance log files the
// supervisors write under `<data_dir>/logs/<ns>/`, an index of which service
// and instance name each file belongs to (kept beside the log as
// `<id>.info`, so logs of deleted instances still map to their service), the
// retention of deleted instances' logs, merged history queries and followers.
//
//   LogStore logs(data_dir, runefile.logs.max_bytes_per_instance,
//                 runefile.logs.retain_deleted);
//   RUNE_RETURN_IF_ERROR(logs.RegisterInstance("default", id, "api", "api-0"));
//   // the supervisor appends to logs.PathOf("default", id) …
//   LogSelection all_of_api{"default", "api", {}};
//   LogFilter last_100;
//   last_100.tail = 100;
//   RUNE_ASSIGN_OR_RETURN(std::vector<LogLine> lines, logs.Query(all_of_api, last_100));
//   RUNE_RETURN_IF_ERROR(logs.MarkDeleted("default", id, absl::Now()));
//   RUNE_RETURN_IF_ERROR(logs.Prune(absl::Now()));  // periodically
//
// runed only reads log files; every method is thread-safe.
#ifndef RUNE_RUNED_LOGSTORE_LOG_STORE_H_
#define RUNE_RUNED_LOGSTORE_LOG_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "re2/re2.h"
#include "runed/logstore/log_file.h"

namespace rune::daemon::logstore {

// One captured line with the instance it came from.
struct LogLine {
  int64_t unix_nanos = 0;
  LogStream stream = LogStream::kStdout;
  std::string ns;
  std::string service;
  std::string instance_id;
  std::string instance_name;
  std::string content;
};

// An instance known from elsewhere (its store record).
struct InstanceRef {
  std::string ns;
  std::string id;
  std::string service;
  std::string name;
};

// Which instances a query reads.
struct LogSelection {
  std::string ns;
  // Every registered instance of this service, deleted ones with retained
  // logs included; a follower also picks up instances registered later.
  // "" = none.
  std::string service;
  // These instances too (duplicates of registered ones are merged).
  std::vector<InstanceRef> instances;
};

// Which lines a query returns.
struct LogFilter {
  std::optional<absl::Time> since;  // lines at or after
  std::optional<absl::Time> until;  // lines before
  std::string grep;                 // RE2, partial match on the content; "" = all
  int64_t tail = -1;                // history only: last N merged lines; -1 = all, 0 = none
};

class LogStore;

// Reads the selected history, then the lines appended after it. Lines are
// merged by timestamp, then instance name, then arrival. Not thread-safe
// (one caller at a time); must not outlive its LogStore.
class LogFollower {
 public:
  ~LogFollower();

  // Everything selected up to now, filtered and cut to `tail`. Call first.
  absl::StatusOr<std::vector<LogLine>> History();

  // Complete lines appended since the previous History()/Poll() call,
  // including lines of instances of the selected service registered since.
  absl::StatusOr<std::vector<LogLine>> Poll();

  // Blocks until an instance is registered with the store or `timeout`
  // passes, whichever comes first.
  void Wait(absl::Duration timeout);

  // Adds an instance to the selection (no-op when already selected); the
  // next Poll() reads its files from the start.
  void Include(InstanceRef ref);

 private:
  friend class LogStore;
  class Source;
  LogFollower(LogStore* store, LogSelection selection, LogFilter filter,
              std::unique_ptr<RE2> grep);
  absl::Status AddSources();
  absl::StatusOr<std::vector<LogLine>> ReadAll();

  LogStore* store_;
  LogSelection selection_;
  LogFilter filter_;
  std::unique_ptr<RE2> grep_;
  uint64_t seen_registrations_ = 0;
  std::vector<std::unique_ptr<Source>> sources_;
};

class LogStore {
 public:
  // Loads the index of `<data_dir>/logs`; unreadable entries are skipped.
  LogStore(std::string data_dir, int64_t max_bytes_per_instance, absl::Duration retain_deleted);

  // `<data_dir>/logs/<ns>/<id>.log`, the file the instance's supervisor
  // appends to (LogWriter::Open(path, max_bytes_per_instance())).
  std::string PathOf(absl::string_view ns, absl::string_view id) const;
  int64_t max_bytes_per_instance() const { return max_bytes_; }

  // Records that instance `id` of `service` is called `name` (idempotent; a
  // deleted mark is cleared) and wakes followers of the service. Internal on
  // a disk error.
  absl::Status RegisterInstance(absl::string_view ns, absl::string_view id,
                                absl::string_view service, absl::string_view name);

  // Starts the retention period of a deleted instance's logs (an instance
  // that was never registered is recorded without service and name).
  absl::Status MarkDeleted(absl::string_view ns, absl::string_view id, absl::Time when);

  // Removes the files of instances deleted at least `retain_deleted` before
  // `now`. Returns the first removal error after trying every instance.
  absl::Status Prune(absl::Time now);

  // The selected, filtered, merged history. InvalidArgument
  // `invalid regular expression: <why>` for a bad grep.
  absl::StatusOr<std::vector<LogLine>> Query(const LogSelection& selection,
                                             const LogFilter& filter);

  // A follower of `selection` (InvalidArgument for a bad grep).
  absl::StatusOr<std::unique_ptr<LogFollower>> Follow(LogSelection selection, LogFilter filter);

 private:
  friend class LogFollower;
  struct Entry {
    std::string service;
    std::string name;
    std::optional<absl::Time> deleted;
  };

  std::string DirOf(absl::string_view ns) const;
  absl::Status WriteInfo(absl::string_view ns, absl::string_view id, const Entry& entry);
  void Load();
  // Registered instances of `ns/service`.
  std::vector<InstanceRef> InstancesOf(absl::string_view ns, absl::string_view service)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::optional<InstanceRef> Lookup(absl::string_view ns, absl::string_view id)
      ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t registrations() ABSL_LOCKS_EXCLUDED(mu_);
  void WaitForRegistration(uint64_t seen, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  const std::string data_dir_;
  const int64_t max_bytes_;
  const absl::Duration retain_deleted_;
  absl::Mutex mu_;
  // namespace → instance ID → entry.
  std::map<std::string, std::map<std::string, Entry>, std::less<>> index_ ABSL_GUARDED_BY(mu_);
  uint64_t registrations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace rune::daemon::logstore

#endif  // RUNE_RUNED_LOGSTORE_LOG_STORE_H_
