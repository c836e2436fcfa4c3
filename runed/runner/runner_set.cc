#include "runed/runner/runner_set.h"

#include "absl/strings/str_cat.h"
#include "runed/logging.h"

namespace rune::daemon::runner {

std::vector<Runner*> RunnerSet::All() const {
  std::vector<Runner*> all;
  if (process_ != nullptr) all.push_back(process_);
  if (docker_ != nullptr) all.push_back(docker_);
  return all;
}

Runner* RunnerSet::OwnerOf(const InstanceKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = owner_.find(key);
  return it == owner_.end() ? nullptr : it->second;
}

void RunnerSet::SetExitCallback(ExitCallback callback) {
  for (Runner* r : All()) r->SetExitCallback(callback);
}

absl::StatusOr<Started> RunnerSet::Start(const StartSpec& spec) {
  const bool process = spec.spec.has_process();
  Runner* runner = process ? process_ : docker_;
  if (runner == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(process ? "process" : "docker", " runner is disabled on this server"));
  }
  {
    absl::MutexLock lock(&mu_);
    owner_[InstanceKey{spec.ns, spec.id}] = runner;
  }
  return runner->Start(spec);
}

absl::Status RunnerSet::Stop(const InstanceKey& key, absl::Duration grace) {
  if (Runner* owner = OwnerOf(key)) return owner->Stop(key, grace);
  absl::Status first;
  for (Runner* r : All()) {
    absl::Status s = r->Stop(key, grace);
    if (first.ok()) first = s;
  }
  return first;
}

absl::Status RunnerSet::Kill(const InstanceKey& key, int sig) {
  if (Runner* owner = OwnerOf(key)) return owner->Kill(key, sig);
  absl::Status s = absl::FailedPreconditionError(
      absl::StrCat("instance \"", key.ns, "/", key.id, "\" is not running"));
  for (Runner* r : All()) {
    s = r->Kill(key, sig);
    if (s.ok()) return s;
  }
  return s;
}

absl::Status RunnerSet::Remove(const InstanceKey& key) {
  Runner* owner = OwnerOf(key);
  absl::Status result;
  if (owner != nullptr) {
    result = owner->Remove(key);
  } else {
    for (Runner* r : All()) {
      absl::Status s = r->Remove(key);
      if (result.ok()) result = s;
    }
  }
  if (result.ok()) {
    absl::MutexLock lock(&mu_);
    owner_.erase(key);
  }
  return result;
}

absl::StatusOr<std::vector<Adopted>> RunnerSet::Adopt() {
  std::vector<Adopted> all;
  for (Runner* r : All()) {
    absl::StatusOr<std::vector<Adopted>> found = r->Adopt();
    if (!found.ok()) {
      if (r == process_) return found.status();
      Log().Warn(absl::StrCat("containers not adopted: ", found.status().message()));
      continue;
    }
    absl::MutexLock lock(&mu_);
    for (Adopted& a : *found) {
      owner_[a.key] = r;
      all.push_back(std::move(a));
    }
  }
  return all;
}

absl::StatusOr<std::unique_ptr<ExecProcess>> RunnerSet::Exec(const InstanceKey& key,
                                                             const ExecSpec& spec) {
  if (Runner* owner = OwnerOf(key)) return owner->Exec(key, spec);
  absl::StatusOr<std::unique_ptr<ExecProcess>> result = absl::FailedPreconditionError(
      absl::StrCat("instance \"", key.ns, "/", key.id, "\" is not running"));
  for (Runner* r : All()) {
    result = r->Exec(key, spec);
    if (result.ok()) return result;
  }
  return result;
}

}  // namespace rune::daemon::runner
