#include "runed/store/engine_store.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "runed/store/watch_hub.h"

namespace rune::store {
namespace {

constexpr char kRevisionKey[] = "meta/system/revision";
constexpr size_t kVersionBytes = 8;

std::string EncodeValue(uint64_t version, absl::string_view value) {
  std::string stored(kVersionBytes, '\0');
  for (size_t i = kVersionBytes; i-- > 0; version >>= 8) {
    stored[i] = static_cast<char>(version & 0xff);
  }
  stored.append(value.data(), value.size());
  return stored;
}

absl::StatusOr<uint64_t> DecodeVersion(absl::string_view key, absl::string_view stored) {
  if (stored.size() < kVersionBytes) {
    return absl::InternalError(
        absl::StrCat("store record \"", key, "\" is corrupt (", stored.size(), " bytes)"));
  }
  uint64_t version = 0;
  for (size_t i = 0; i < kVersionBytes; ++i) {
    version = (version << 8) | static_cast<unsigned char>(stored[i]);
  }
  return version;
}

absl::Status CheckKeyPart(absl::string_view what, absl::string_view part, bool may_be_empty) {
  if (part.empty() && !may_be_empty) {
    return absl::InvalidArgumentError(absl::StrCat("store key: empty ", what));
  }
  if (absl::StrContains(part, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("store key: ", what, " \"", part, "\" contains '/'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeKey(absl::string_view kind, absl::string_view ns,
                                    absl::string_view name) {
  RUNE_RETURN_IF_ERROR(CheckKeyPart("kind", kind, false));
  RUNE_RETURN_IF_ERROR(CheckKeyPart("namespace", ns, false));
  if (name.empty()) return absl::InvalidArgumentError("store key: empty name");
  std::string key = absl::StrCat(kind, "/", ns, "/", name);
  if (key.size() > kMaxKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("store key \"", key, "\" is longer than ", kMaxKeySize, " bytes"));
  }
  return key;
}

// Inverse of MakeKey: kinds and namespaces never contain '/', names may.
absl::StatusOr<Record> DecodeRecord(absl::string_view key, absl::string_view stored) {
  const size_t kind_end = key.find('/');
  const size_t ns_end = kind_end == key.npos ? key.npos : key.find('/', kind_end + 1);
  if (ns_end == key.npos) {
    return absl::InternalError(absl::StrCat("store key \"", key, "\" is malformed"));
  }
  RUNE_ASSIGN_OR_RETURN(uint64_t version, DecodeVersion(key, stored));
  Record record;
  record.kind = std::string(key.substr(0, kind_end));
  record.ns = std::string(key.substr(kind_end + 1, ns_end - kind_end - 1));
  record.name = std::string(key.substr(ns_end + 1));
  record.value = std::string(stored.substr(kVersionBytes));
  record.resource_version = version;
  return record;
}

absl::StatusOr<std::optional<Record>> GetIn(KvReader& reader, absl::string_view kind,
                                            absl::string_view ns, absl::string_view name) {
  RUNE_ASSIGN_OR_RETURN(std::string key, MakeKey(kind, ns, name));
  RUNE_ASSIGN_OR_RETURN(std::optional<std::string> stored, reader.Get(key));
  if (!stored.has_value()) return std::nullopt;
  return DecodeRecord(key, *stored);
}

absl::StatusOr<std::vector<Record>> ListIn(KvReader& reader, absl::string_view kind,
                                           absl::string_view ns, absl::string_view name_prefix) {
  RUNE_RETURN_IF_ERROR(CheckKeyPart("kind", kind, false));
  RUNE_RETURN_IF_ERROR(CheckKeyPart("namespace", ns, true));
  // The trailing '/' keeps namespace "prod" from matching "production".
  const std::string prefix =
      ns.empty() ? absl::StrCat(kind, "/") : absl::StrCat(kind, "/", ns, "/", name_prefix);
  std::vector<Record> records;
  if (prefix.size() > kMaxKeySize) return records;  // no stored key is that long
  absl::Status status;
  RUNE_RETURN_IF_ERROR(reader.Scan(prefix, [&](absl::string_view key, absl::string_view value) {
    if (!status.ok()) return;
    absl::StatusOr<Record> record = DecodeRecord(key, value);
    if (!record.ok()) {
      status = record.status();
    } else if (absl::StartsWith(record->name, name_prefix)) {
      records.push_back(*std::move(record));
    }
  }));
  RUNE_RETURN_IF_ERROR(status);
  return records;
}

absl::StatusOr<uint64_t> ReadRevision(KvReader& reader) {
  RUNE_ASSIGN_OR_RETURN(std::optional<std::string> stored, reader.Get(kRevisionKey));
  if (!stored.has_value()) return 0;
  return DecodeVersion(kRevisionKey, *stored);
}

// Engines report a full map as ResourceExhausted with their own words; the
// API promises one message naming the setting.
absl::Status EngineError(absl::Status status, uint64_t max_size) {
  if (!absl::IsResourceExhausted(status)) return status;
  return absl::ResourceExhaustedError(
      absl::StrCat("store is full (store.max_size=", max_size, ")"));
}

class Txn : public WriteTxn {
 public:
  Txn(KvWriter& writer, uint64_t revision, uint64_t max_size)
      : writer_(writer), revision_(revision), max_size_(max_size) {}

  absl::StatusOr<std::optional<Record>> Get(absl::string_view kind, absl::string_view ns,
                                            absl::string_view name) override {
    RUNE_RETURN_IF_ERROR(failed_);
    return GetIn(writer_, kind, ns, name);
  }

  absl::StatusOr<std::vector<Record>> List(absl::string_view kind, absl::string_view ns,
                                           absl::string_view name_prefix) override {
    RUNE_RETURN_IF_ERROR(failed_);
    return ListIn(writer_, kind, ns, name_prefix);
  }

  absl::StatusOr<uint64_t> Put(absl::string_view kind, absl::string_view ns, absl::string_view name,
                               absl::string_view value, uint64_t expected_version) override {
    RUNE_ASSIGN_OR_RETURN(std::string key, MakeKey(kind, ns, name));
    RUNE_ASSIGN_OR_RETURN(std::optional<Record> old, CheckWrite(key, expected_version));
    RUNE_RETURN_IF_ERROR(Write(writer_.Put(key, EncodeValue(revision_, value))));
    Event event;
    event.type = old.has_value() ? Event::Type::kModified : Event::Type::kAdded;
    event.record = Record{std::string(kind), std::string(ns), std::string(name), std::string(value),
                          revision_};
    events_.push_back(std::move(event));
    return revision_;
  }

  absl::StatusOr<bool> Delete(absl::string_view kind, absl::string_view ns, absl::string_view name,
                              uint64_t expected_version) override {
    RUNE_ASSIGN_OR_RETURN(std::string key, MakeKey(kind, ns, name));
    RUNE_ASSIGN_OR_RETURN(std::optional<Record> old, CheckWrite(key, expected_version));
    if (!old.has_value()) return false;
    RUNE_RETURN_IF_ERROR(Write(writer_.Delete(key)));
    Event event;
    event.type = Event::Type::kDeleted;
    event.record = *std::move(old);
    event.record.resource_version = revision_;
    events_.push_back(std::move(event));
    return true;
  }

  // The first failed engine write: the engine transaction is unusable after
  // it, whatever the function returned.
  const absl::Status& failed() const { return failed_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  // Returns the current record after the reserved-key and expected-version
  // checks.
  absl::StatusOr<std::optional<Record>> CheckWrite(const std::string& key,
                                                   uint64_t expected_version) {
    RUNE_RETURN_IF_ERROR(failed_);
    if (key == kRevisionKey) {
      return absl::InvalidArgumentError(
          absl::StrCat("store key \"", key, "\" is reserved for the store revision"));
    }
    RUNE_ASSIGN_OR_RETURN(std::optional<std::string> stored, writer_.Get(key));
    std::optional<Record> old;
    if (stored.has_value()) {
      RUNE_ASSIGN_OR_RETURN(old, DecodeRecord(key, *stored));
    }
    const uint64_t current = old.has_value() ? old->resource_version : 0;
    if (expected_version != kAnyVersion && expected_version != current) {
      const size_t kind_end = key.find('/');
      return absl::AbortedError(absl::StrCat(key.substr(0, kind_end), " \"",
                                             key.substr(kind_end + 1),
                                             "\" was modified concurrently"));
    }
    return old;
  }

  absl::Status Write(absl::Status status) {
    if (!status.ok()) failed_ = EngineError(std::move(status), max_size_);
    return failed_;
  }

  KvWriter& writer_;
  const uint64_t revision_;
  const uint64_t max_size_;
  absl::Status failed_;
  std::vector<Event> events_;
};

class EngineStore : public Store {
 public:
  EngineStore(std::unique_ptr<KvEngine> engine, uint64_t max_size, uint64_t revision)
      : engine_(std::move(engine)), max_size_(max_size), revision_(revision) {}

  absl::StatusOr<std::optional<Record>> Get(absl::string_view kind, absl::string_view ns,
                                            absl::string_view name) override {
    RUNE_ASSIGN_OR_RETURN(std::unique_ptr<KvReader> reader, engine_->BeginRead());
    return GetIn(*reader, kind, ns, name);
  }

  absl::StatusOr<std::vector<Record>> List(absl::string_view kind, absl::string_view ns,
                                           absl::string_view name_prefix,
                                           uint64_t* revision) override {
    RUNE_ASSIGN_OR_RETURN(std::unique_ptr<KvReader> reader, engine_->BeginRead());
    RUNE_ASSIGN_OR_RETURN(std::vector<Record> records, ListIn(*reader, kind, ns, name_prefix));
    if (revision != nullptr) {
      RUNE_ASSIGN_OR_RETURN(*revision, ReadRevision(*reader));
    }
    return records;
  }

  absl::Status Update(const std::function<absl::Status(WriteTxn&)>& fn) override {
    std::vector<std::function<void()>> notify;
    RUNE_RETURN_IF_ERROR(CommitAndPublish(fn, &notify));
    // Callbacks run after the writer lock is released: they may call Update().
    for (std::function<void()>& callback : notify) callback();
    return absl::OkStatus();
  }

  std::unique_ptr<Watch> Subscribe(absl::string_view kind, absl::string_view ns) override {
    return hub_.Subscribe(kind, ns);
  }

  uint64_t Revision() override { return revision_.load(); }

 private:
  // The writer lock spans begin to publication, so watchers see transactions
  // in commit order.
  absl::Status CommitAndPublish(const std::function<absl::Status(WriteTxn&)>& fn,
                                std::vector<std::function<void()>>* notify) {
    absl::MutexLock lock(&write_mu_);
    RUNE_ASSIGN_OR_RETURN(std::unique_ptr<KvWriter> writer, engine_->BeginWrite());
    RUNE_ASSIGN_OR_RETURN(const uint64_t current, ReadRevision(*writer));
    const uint64_t revision = current + 1;
    Txn txn(*writer, revision, max_size_);
    RUNE_RETURN_IF_ERROR(fn(txn));
    RUNE_RETURN_IF_ERROR(txn.failed());
    if (txn.events().empty()) return absl::OkStatus();  // nothing changed: nothing to commit
    RUNE_RETURN_IF_ERROR(
        EngineError(writer->Put(kRevisionKey, EncodeValue(revision, "")), max_size_));
    RUNE_RETURN_IF_ERROR(EngineError(writer->Commit(), max_size_));
    revision_.store(revision);
    *notify = hub_.Publish(txn.events());
    return absl::OkStatus();
  }

  absl::Mutex write_mu_;
  const std::unique_ptr<KvEngine> engine_;
  const uint64_t max_size_;
  std::atomic<uint64_t> revision_;
  // Last member: destroyed first, so watches end before the engine closes.
  WatchHub hub_;
};

}  // namespace

#if defined(__SANITIZE_THREAD__)
// Only in -fsanitize=thread builds: reports that are not races in our code.
// LMDB frees a reader slot (mr_pid = 0) without its reader mutex and claims
// slots under it (a lock-free table by design); abseil's thread identities
// trip google/sanitizers#953. A binary may define this hook only once.
extern "C" const char* __tsan_default_suppressions() {
  return "race:mdb_txn_renew0\n"
         "race:mdb_txn_end\n"
         "race:synchronization_internal::Waiter::Post\n";
}
#endif

absl::StatusOr<std::unique_ptr<Store>> NewEngineStore(std::unique_ptr<KvEngine> engine,
                                                      uint64_t max_size) {
  uint64_t revision = 0;
  {
    RUNE_ASSIGN_OR_RETURN(std::unique_ptr<KvReader> reader, engine->BeginRead());
    RUNE_ASSIGN_OR_RETURN(revision, ReadRevision(*reader));
  }
  return std::unique_ptr<Store>(new EngineStore(std::move(engine), max_size, revision));
}

}  // namespace rune::store
