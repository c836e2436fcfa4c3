#include "runed/logstore/log_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace rune::daemon::logstore {
namespace {

constexpr absl::string_view kInfoSuffix = ".info";

absl::Status ErrnoError(absl::string_view what, absl::string_view path, int error) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(error)));
}

absl::Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (dir.empty() || stat(dir.c_str(), &st) == 0) return absl::OkStatus();
  const size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) RUNE_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create directory", dir, errno);
  }
  return absl::OkStatus();
}

// Reads `fd` from `offset` to its end into `out`; returns the bytes read.
absl::StatusOr<int64_t> ReadFrom(int fd, int64_t offset, const std::string& path,
                                 std::string* out) {
  char buf[64 * 1024];
  int64_t total = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, offset + total);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path, errno);
    }
    if (n == 0) return total;
    out->append(buf, static_cast<size_t>(n));
    total += n;
  }
}

void RemoveIfPresent(const std::string& path, absl::Status* first_error) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && first_error->ok()) {
    *first_error = ErrnoError("cannot remove", path, errno);
  }
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (struct dirent* e = ::readdir(d)) {
    const absl::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

// One instance's pair of files, read incrementally. The open descriptor
// follows the file across a rotation: when `<id>.log` names another inode,
// the rest of the old file (now `.log.1`) is read first, then the new one.
class LogFollower::Source {
 public:
  Source(InstanceRef ref, std::string path) : ref_(std::move(ref)), path_(std::move(path)) {}
  ~Source() {
    if (fd_ >= 0) ::close(fd_);
  }

  const InstanceRef& ref() const { return ref_; }

  // Appends the complete records written since the last call.
  absl::Status ReadNew(std::vector<LogRecord>* out) {
    if (fd_ < 0) return OpenCurrent(out);
    struct stat st;
    const bool replaced = ::stat(path_.c_str(), &st) != 0 || st.st_ino != ino_;
    RUNE_RETURN_IF_ERROR(Drain(out));
    if (!replaced) return absl::OkStatus();
    rotated_ino_ = ino_;
    ::close(fd_);
    fd_ = -1;
    pending_.clear();
    return OpenCurrent(out);
  }

 private:
  absl::Status OpenCurrent(std::vector<LogRecord>* out) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno != ENOENT) return ErrnoError("cannot open", path_, errno);
      return ReadRotatedIfNew(0, out);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int error = errno;
      ::close(fd);
      return ErrnoError("cannot stat", path_, error);
    }
    fd_ = fd;
    ino_ = st.st_ino;
    offset_ = 0;
    pending_.clear();
    RUNE_RETURN_IF_ERROR(ReadRotatedIfNew(ino_, out));
    return Drain(out);
  }

  // Reads `.log.1` whole unless it is the current file or was read already.
  absl::Status ReadRotatedIfNew(ino_t current, std::vector<LogRecord>* out) {
    const std::string rotated = path_ + ".1";
    const int fd = ::open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return absl::OkStatus();
      return ErrnoError("cannot open", rotated, errno);
    }
    struct stat st;
    absl::Status status;
    if (::fstat(fd, &st) != 0) {
      status = ErrnoError("cannot stat", rotated, errno);
    } else if (st.st_ino != current && st.st_ino != rotated_ino_) {
      std::string data;
      absl::StatusOr<int64_t> n = ReadFrom(fd, 0, rotated, &data);
      if (n.ok()) {
        ParseLogRecords(data, out);
        rotated_ino_ = st.st_ino;
      } else {
        status = n.status();
      }
    }
    ::close(fd);
    return status;
  }

  absl::Status Drain(std::vector<LogRecord>* out) {
    struct stat st;
    if (::fstat(fd_, &st) == 0 && st.st_size < offset_) {  // truncated: start over
      offset_ = 0;
      pending_.clear();
    }
    RUNE_ASSIGN_OR_RETURN(int64_t n, ReadFrom(fd_, offset_, path_, &pending_));
    offset_ += n;
    pending_.erase(0, ParseLogRecords(pending_, out));
    return absl::OkStatus();
  }

  const InstanceRef ref_;
  const std::string path_;
  int fd_ = -1;
  ino_t ino_ = 0;
  ino_t rotated_ino_ = 0;  // the `.log.1` inode already read
  int64_t offset_ = 0;
  std::string pending_;  // an unterminated tail, completed by a later read
};

LogFollower::LogFollower(LogStore* store, LogSelection selection, LogFilter filter,
                         std::unique_ptr<RE2> grep)
    : store_(store),
      selection_(std::move(selection)),
      filter_(std::move(filter)),
      grep_(std::move(grep)) {}

LogFollower::~LogFollower() = default;

absl::Status LogFollower::AddSources() {
  // Read the counter first: a registration racing with the listing below is
  // seen again by the next Poll().
  seen_registrations_ = store_->registrations();
  std::vector<InstanceRef> refs;
  if (!selection_.service.empty()) refs = store_->InstancesOf(selection_.ns, selection_.service);
  for (const InstanceRef& ref : selection_.instances) {
    std::optional<InstanceRef> registered = store_->Lookup(ref.ns, ref.id);
    refs.push_back(registered.has_value() && !registered->name.empty() ? *registered : ref);
  }
  std::set<std::pair<std::string, std::string>> known;
  for (const auto& s : sources_) known.emplace(s->ref().ns, s->ref().id);
  for (InstanceRef& ref : refs) {
    if (!known.emplace(ref.ns, ref.id).second) continue;
    std::string path = store_->PathOf(ref.ns, ref.id);
    sources_.push_back(std::make_unique<Source>(std::move(ref), std::move(path)));
  }
  return absl::OkStatus();
}

void LogFollower::Include(InstanceRef ref) {
  for (const auto& s : sources_) {
    if (s->ref().ns == ref.ns && s->ref().id == ref.id) return;
  }
  std::optional<InstanceRef> registered = store_->Lookup(ref.ns, ref.id);
  if (registered.has_value() && !registered->name.empty()) ref = *std::move(registered);
  std::string path = store_->PathOf(ref.ns, ref.id);
  sources_.push_back(std::make_unique<Source>(std::move(ref), std::move(path)));
}

absl::StatusOr<std::vector<LogLine>> LogFollower::ReadAll() {
  const int64_t since =
      filter_.since.has_value() ? absl::ToUnixNanos(*filter_.since) : INT64_MIN;
  const int64_t until =
      filter_.until.has_value() ? absl::ToUnixNanos(*filter_.until) : INT64_MAX;
  std::vector<LogLine> lines;
  std::vector<LogRecord> records;
  for (const auto& source : sources_) {
    records.clear();
    RUNE_RETURN_IF_ERROR(source->ReadNew(&records));
    const InstanceRef& ref = source->ref();
    for (LogRecord& r : records) {
      if (r.unix_nanos < since || r.unix_nanos >= until) continue;
      if (grep_ != nullptr && !RE2::PartialMatch(r.content, *grep_)) continue;
      LogLine line;
      line.unix_nanos = r.unix_nanos;
      line.stream = r.stream;
      line.ns = ref.ns;
      line.service = ref.service;
      line.instance_id = ref.id;
      line.instance_name = ref.name;
      line.content = std::move(r.content);
      lines.push_back(std::move(line));
    }
  }
  // Stable: equal (time, name) keep the order they were read in.
  std::stable_sort(lines.begin(), lines.end(), [](const LogLine& a, const LogLine& b) {
    if (a.unix_nanos != b.unix_nanos) return a.unix_nanos < b.unix_nanos;
    return a.instance_name < b.instance_name;
  });
  return lines;
}

absl::StatusOr<std::vector<LogLine>> LogFollower::History() {
  RUNE_RETURN_IF_ERROR(AddSources());
  RUNE_ASSIGN_OR_RETURN(std::vector<LogLine> lines, ReadAll());
  if (filter_.tail >= 0 && lines.size() > static_cast<size_t>(filter_.tail)) {
    lines.erase(lines.begin(), lines.end() - filter_.tail);
  }
  return lines;
}

absl::StatusOr<std::vector<LogLine>> LogFollower::Poll() {
  if (store_->registrations() != seen_registrations_) RUNE_RETURN_IF_ERROR(AddSources());
  return ReadAll();
}

void LogFollower::Wait(absl::Duration timeout) {
  store_->WaitForRegistration(seen_registrations_, timeout);
}

LogStore::LogStore(std::string data_dir, int64_t max_bytes_per_instance,
                   absl::Duration retain_deleted)
    : data_dir_(std::move(data_dir)),
      max_bytes_(max_bytes_per_instance),
      retain_deleted_(retain_deleted) {
  Load();
}

std::string LogStore::DirOf(absl::string_view ns) const {
  return absl::StrCat(data_dir_, "/logs/", ns);
}

std::string LogStore::PathOf(absl::string_view ns, absl::string_view id) const {
  return absl::StrCat(DirOf(ns), "/", id, ".log");
}

// `<id>.info`: `service <name>`, `name <instance name>` and, once deleted,
// `deleted <unix nanos>`, one per line.
absl::Status LogStore::WriteInfo(absl::string_view ns, absl::string_view id,
                                 const Entry& entry) {
  const std::string dir = DirOf(ns);
  RUNE_RETURN_IF_ERROR(MakeDirs(dir));
  std::string text = absl::StrCat("service ", entry.service, "\nname ", entry.name, "\n");
  if (entry.deleted.has_value()) {
    absl::StrAppend(&text, "deleted ", absl::ToUnixNanos(*entry.deleted), "\n");
  }
  const std::string path = absl::StrCat(dir, "/", id, kInfoSuffix);
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return ErrnoError("cannot write", temp, errno);
  absl::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return ErrnoError("cannot write", temp, error);
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ErrnoError("cannot rename", temp, error);
  }
  return absl::OkStatus();
}

void LogStore::Load() {
  const std::string root = absl::StrCat(data_dir_, "/logs");
  absl::MutexLock lock(&mu_);
  for (const std::string& ns : ListDir(root)) {
    const std::string dir = absl::StrCat(root, "/", ns);
    for (const std::string& file : ListDir(dir)) {
      absl::string_view id = file;
      if (!absl::ConsumeSuffix(&id, kInfoSuffix) || id.empty()) continue;
      std::string data;
      const std::string path = absl::StrCat(dir, "/", file);
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      const bool read = ReadFrom(fd, 0, path, &data).ok();
      ::close(fd);
      if (!read) continue;
      Entry entry;
      for (absl::string_view line : absl::StrSplit(data, '\n', absl::SkipEmpty())) {
        if (absl::ConsumePrefix(&line, "service ")) {
          entry.service = std::string(line);
        } else if (absl::ConsumePrefix(&line, "name ")) {
          entry.name = std::string(line);
        } else if (int64_t nanos; absl::ConsumePrefix(&line, "deleted ") &&
                                  absl::SimpleAtoi(line, &nanos)) {
          entry.deleted = absl::FromUnixNanos(nanos);
        }
      }
      index_[ns][std::string(id)] = std::move(entry);
    }
  }
}

absl::Status LogStore::RegisterInstance(absl::string_view ns, absl::string_view id,
                                        absl::string_view service, absl::string_view name) {
  Entry entry{std::string(service), std::string(name), std::nullopt};
  absl::MutexLock lock(&mu_);
  auto& instances = index_[std::string(ns)];
  auto it = instances.find(std::string(id));
  const bool unchanged = it != instances.end() && it->second.service == entry.service &&
                         it->second.name == entry.name && !it->second.deleted.has_value();
  if (!unchanged) {
    // Under the lock so concurrent registrations of one ID land in order.
    RUNE_RETURN_IF_ERROR(WriteInfo(ns, id, entry));
    instances[std::string(id)] = std::move(entry);
  }
  ++registrations_;
  return absl::OkStatus();
}

absl::Status LogStore::MarkDeleted(absl::string_view ns, absl::string_view id, absl::Time when) {
  absl::MutexLock lock(&mu_);
  Entry entry = index_[std::string(ns)][std::string(id)];
  if (entry.deleted.has_value()) return absl::OkStatus();
  entry.deleted = when;
  RUNE_RETURN_IF_ERROR(WriteInfo(ns, id, entry));
  index_[std::string(ns)][std::string(id)] = std::move(entry);
  return absl::OkStatus();
}

absl::Status LogStore::Prune(absl::Time now) {
  std::vector<std::pair<std::string, std::string>> victims;
  {
    absl::MutexLock lock(&mu_);
    for (auto ns = index_.begin(); ns != index_.end();) {
      for (auto it = ns->second.begin(); it != ns->second.end();) {
        if (it->second.deleted.has_value() && now - *it->second.deleted >= retain_deleted_) {
          victims.emplace_back(ns->first, it->first);
          it = ns->second.erase(it);
        } else {
          ++it;
        }
      }
      ns = ns->second.empty() ? index_.erase(ns) : std::next(ns);
    }
  }
  absl::Status first_error;
  for (const auto& [ns, id] : victims) {
    const std::string log = PathOf(ns, id);
    RemoveIfPresent(log, &first_error);
    RemoveIfPresent(log + ".1", &first_error);
    RemoveIfPresent(absl::StrCat(DirOf(ns), "/", id, kInfoSuffix), &first_error);
    ::rmdir(DirOf(ns).c_str());  // only succeeds once the namespace has no logs left
  }
  return first_error;
}

absl::StatusOr<std::vector<LogLine>> LogStore::Query(const LogSelection& selection,
                                                     const LogFilter& filter) {
  RUNE_ASSIGN_OR_RETURN(std::unique_ptr<LogFollower> follower, Follow(selection, filter));
  return follower->History();
}

absl::StatusOr<std::unique_ptr<LogFollower>> LogStore::Follow(LogSelection selection,
                                                              LogFilter filter) {
  std::unique_ptr<RE2> grep;
  if (!filter.grep.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    grep = std::make_unique<RE2>(filter.grep, options);
    if (!grep->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression: ", grep->error()));
    }
  }
  return std::unique_ptr<LogFollower>(
      new LogFollower(this, std::move(selection), std::move(filter), std::move(grep)));
}

std::vector<InstanceRef> LogStore::InstancesOf(absl::string_view ns, absl::string_view service) {
  std::vector<InstanceRef> out;
  absl::MutexLock lock(&mu_);
  auto it = index_.find(ns);
  if (it == index_.end()) return out;
  for (const auto& [id, entry] : it->second) {
    if (entry.service == service) out.push_back({std::string(ns), id, entry.service, entry.name});
  }
  return out;
}

std::optional<InstanceRef> LogStore::Lookup(absl::string_view ns, absl::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(ns);
  if (it == index_.end()) return std::nullopt;
  auto e = it->second.find(std::string(id));
  if (e == it->second.end()) return std::nullopt;
  return InstanceRef{std::string(ns), e->first, e->second.service, e->second.name};
}

uint64_t LogStore::registrations() {
  absl::MutexLock lock(&mu_);
  return registrations_;
}

void LogStore::WaitForRegistration(uint64_t seen, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return registrations_ != seen;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
}

}  // namespace rune::daemon::logstore
