// The in-memory engine: an immutable sorted map per committed state. Readers
// share the current map; a writer copies it on its first write and installs
// the copy on commit (writers are serialised by the store).

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "runed/store/engine_store.h"
#include "runed/store/kv_engine.h"
#include "runed/store/store.h"

namespace rune::store {
namespace {

struct Snapshot {
  std::map<std::string, std::string, std::less<>> data;
  uint64_t bytes = 0;  // keys + values
};

class MemoryEngine;

class MemoryTxn : public KvWriter {
 public:
  MemoryTxn(MemoryEngine* engine, std::shared_ptr<const Snapshot> base)
      : engine_(engine), base_(std::move(base)) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) override {
    auto it = view().data.find(key);
    if (it == view().data.end()) return std::nullopt;
    return it->second;
  }

  absl::Status Scan(absl::string_view prefix,
                    const std::function<void(absl::string_view, absl::string_view)>& fn) override {
    for (auto it = view().data.lower_bound(prefix);
         it != view().data.end() && absl::StartsWith(it->first, prefix); ++it) {
      fn(it->first, it->second);
    }
    return absl::OkStatus();
  }

  absl::Status Put(absl::string_view key, absl::string_view value) override;

  absl::Status Delete(absl::string_view key) override {
    Own();
    auto it = own_->data.find(key);
    if (it == own_->data.end()) return absl::OkStatus();
    own_->bytes -= it->first.size() + it->second.size();
    own_->data.erase(it);
    return absl::OkStatus();
  }

  absl::Status Commit() override;

 private:
  const Snapshot& view() const { return own_ != nullptr ? *own_ : *base_; }
  void Own() {
    if (own_ == nullptr) own_ = std::make_shared<Snapshot>(*base_);
  }

  MemoryEngine* const engine_;
  const std::shared_ptr<const Snapshot> base_;
  std::shared_ptr<Snapshot> own_;  // the copy, from the first write on
};

class MemoryEngine : public KvEngine {
 public:
  explicit MemoryEngine(uint64_t max_size) : max_size_(max_size) {}

  absl::StatusOr<std::unique_ptr<KvReader>> BeginRead() override {
    return std::make_unique<MemoryTxn>(this, Current());
  }
  absl::StatusOr<std::unique_ptr<KvWriter>> BeginWrite() override {
    return std::make_unique<MemoryTxn>(this, Current());
  }

  uint64_t max_size() const { return max_size_; }

  std::shared_ptr<const Snapshot> Current() {
    absl::MutexLock lock(&mu_);
    return current_;
  }
  void Install(std::shared_ptr<const Snapshot> snapshot) {
    absl::MutexLock lock(&mu_);
    current_ = std::move(snapshot);
  }

 private:
  const uint64_t max_size_;
  absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_) = std::make_shared<Snapshot>();
};

absl::Status MemoryTxn::Put(absl::string_view key, absl::string_view value) {
  Own();
  auto it = own_->data.find(key);
  const uint64_t old_size = it == own_->data.end() ? 0 : it->first.size() + it->second.size();
  const uint64_t new_bytes = own_->bytes - old_size + key.size() + value.size();
  if (engine_->max_size() != 0 && new_bytes > engine_->max_size()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("memory store would hold ", new_bytes, " bytes"));
  }
  own_->data[std::string(key)] = std::string(value);
  own_->bytes = new_bytes;
  return absl::OkStatus();
}

absl::Status MemoryTxn::Commit() {
  if (own_ != nullptr) engine_->Install(std::move(own_));
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<Store> NewMemoryStore(uint64_t max_size) {
  absl::StatusOr<std::unique_ptr<Store>> store =
      NewEngineStore(std::make_unique<MemoryEngine>(max_size), max_size);
  // Reading an empty map cannot fail; value() aborts if that ever changes.
  return std::move(store).value();
}

}  // namespace rune::store
