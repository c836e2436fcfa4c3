#include "runed/orchestrator/orchestrator.h"

#include "runed/orchestrator/orchestrator_impl.h"

namespace rune::daemon {

using namespace orchestrator_internal;  // NOLINT: the target's own helpers

absl::Duration RestartDelay(int k) {
  if (k < 1) k = 1;
  if (k > 6) return absl::Seconds(300);
  return std::min(absl::Seconds(10) * (int64_t{1} << (k - 1)), absl::Seconds(300));
}

std::string ServiceOfInstanceId(absl::string_view id) {
  const size_t at = id.rfind("-instance-");
  if (at == absl::string_view::npos || at == 0) return "";
  return std::string(id.substr(0, at));
}

absl::Status Orchestrator::Impl::Start() {
  deps_.runner->SetExitCallback(
      [this](const InstanceKey& key, const runner::ExitStatus& s) { OnExit(key, s); });
  RUNE_ASSIGN_OR_RETURN(std::vector<runner::Adopted> adopted, deps_.runner->Adopt());
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records, deps_.store->List(store::kInstance, ""));
  absl::flat_hash_map<InstanceKey, runner::Adopted> found;
  for (runner::Adopted& a : adopted) found[a.key] = std::move(a);
  absl::flat_hash_map<InstanceKey, api::ServiceSpec> watch_probes;
  {
    absl::MutexLock lock(&mu_);
    for (const store::Record& r : records) {
      absl::StatusOr<Instance> inst = ParseInstance(r);
      if (!inst.ok()) continue;
      const InstanceKey key{inst->namespace_(), inst->id()};
      Runtime& rt = runtime_[key];
      rt.service = inst->service();
      rt.consecutive = 0;
      auto it = found.find(key);
      if (it != found.end() && it->second.alive) {
        rt.running = true;
        rt.running_since = it->second.started_at;
        if (inst->status() == Instance::STOPPING) rt.stop_requested = true;
        continue;
      }
      if (!HasProcess(*inst)) {
        // Waiting out a restart delay when runed stopped: the delay lived
        // in memory, so the restart happens now.
        if (inst->status() == Instance::FAILED && absl::StartsWith(inst->message(), "restarting in ")) {
          rt.restart_pending = true;
          rt.backoff_until = absl::Now();
        }
        continue;
      }
      runner::ExitStatus exit;
      if (it != found.end()) {
        exit = it->second.exit;
      } else {
        exit.message = "instance process lost while runed was not running";
        exit.finished_at = absl::Now();
      }
      if (inst->status() == Instance::STOPPING) rt.stop_requested = true;
      rt.exit = exit;
    }
    // Runner state without a record: stop it and clean it up.
    for (auto& [key, a] : found) {
      if (runtime_.contains(key)) continue;
      if (a.alive) {
        Log().Warn("stopping an instance without a record", {{"instance", key.id}});
        (void)deps_.runner->Stop(key, options_.stop_grace_period);
      }
      (void)deps_.runner->Remove(key);
    }
  }
  // Probes for adopted live instances.
  for (const store::Record& r : records) {
    absl::StatusOr<Instance> inst = ParseInstance(r);
    if (!inst.ok()) continue;
    const InstanceKey key{inst->namespace_(), inst->id()};
    bool alive;
    absl::Time since;
    {
      absl::MutexLock lock(&mu_);
      alive = runtime_[key].running;
      since = runtime_[key].running_since;
    }
    if (!alive) continue;
    absl::StatusOr<std::optional<api::Service>> svc =
        FindService(Reader::Of(deps_.store), inst->namespace_(), inst->service());
    if (svc.ok() && svc->has_value()) {
      auto entry = HistoryName(inst->service(), inst->generation());
      absl::StatusOr<std::optional<store::Record>> h =
          deps_.store->Get(store::kServiceHistory, inst->namespace_(), entry);
      api::ServiceSpec spec = (*svc)->spec();
      if (h.ok() && h->has_value()) {
        absl::StatusOr<api::ServiceHistoryEntry> e = ParseHistory(**h);
        if (e.ok()) spec = e->spec();
      }
      probes_.Watch(key, spec, since, inst->ip().empty() ? "127.0.0.1" : inst->ip());
    }
  }

  for (const char* kind : {store::kService, store::kSecret, store::kConfigmap}) {
    std::unique_ptr<store::Watch> w = deps_.store->Subscribe(kind, "");
    store::Watch* raw = w.get();
    const bool by_namespace = kind != std::string(store::kService);
    w->SetNotify([this, raw, by_namespace] { OnStoreEvents(raw, by_namespace); });
    watches_.push_back(std::move(w));
  }
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Service> services,
                        ListServices(Reader::Of(deps_.store), ""));
  {
    absl::MutexLock lock(&mu_);
    first_pass_left_ = static_cast<int>(services.size());
    if (first_pass_left_ == 0) first_pass_done_ = true;
    for (const api::Service& s : services) {
      const std::string key = QueueKey(s.spec().namespace_(), s.spec().name());
      if (queued_.insert(key).second) queue_.push_back(key);
    }
    // Orphaned instance records (service gone) are cleaned up too.
    for (const auto& [key, rt] : runtime_) {
      const std::string q = QueueKey(key.ns, rt.service);
      if (queued_.insert(q).second) queue_.push_back(q);
    }
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { Worker(); });
  threads_.emplace_back([this] { TimerLoop(); });
  return absl::OkStatus();
}

void Orchestrator::Impl::Shutdown(bool stop_instances) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& w : watches_) w->Cancel();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // Background stops still running finish first.
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &stops_in_flight_));
  }
  if (!stop_instances) return;
  std::vector<InstanceKey> keys;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, rt] : runtime_) {
      if (rt.running) keys.push_back(key);
    }
  }
  std::vector<std::thread> stoppers;
  for (const InstanceKey& key : keys) {
    stoppers.emplace_back([this, key] {
      probes_.Forget(key);
      (void)deps_.runner->Stop(key, options_.stop_grace_period);
    });
  }
  for (std::thread& t : stoppers) t.join();
}

void Orchestrator::Impl::Enqueue(absl::string_view ns, absl::string_view name) {
  if (name.empty()) return;
  const std::string key = QueueKey(ns, name);
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  if (active_.contains(key)) {
    dirty_.insert(key);
    return;
  }
  if (queued_.insert(key).second) queue_.push_back(key);
}

void Orchestrator::Impl::EnqueueAll() {
  absl::StatusOr<std::vector<api::Service>> services = ListServices(Reader::Of(deps_.store), "");
  if (!services.ok()) return;
  for (const api::Service& s : *services) Enqueue(s.spec().namespace_(), s.spec().name());
}

void Orchestrator::Impl::At(absl::Time when, absl::string_view ns, absl::string_view name) {
  absl::MutexLock lock(&mu_);
  timers_.emplace(when, QueueKey(ns, name));
}

void Orchestrator::Impl::Worker() {
  for (;;) {
    std::string key;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Impl* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (stopping_) return;
      key = queue_.front();
      queue_.pop_front();
      queued_.erase(key);
      active_.insert(key);
    }
    const size_t slash = key.find('/');
    const std::string ns = key.substr(0, slash);
    const std::string name = key.substr(slash + 1);
    absl::Status s = Reconcile(ns, name);
    if (!s.ok()) {
      if (!absl::IsAborted(s)) {
        Log().Warn("reconcile failed", {{"service", key}, {"error", std::string(s.message())}});
      }
    }
    absl::MutexLock lock(&mu_);
    active_.erase(key);
    if (first_pass_left_ > 0 && --first_pass_left_ == 0) first_pass_done_ = true;
    if (!s.ok()) timers_.emplace(absl::Now() + absl::Seconds(1), key);
    if (dirty_.erase(key) > 0 && queued_.insert(key).second) queue_.push_back(key);
  }
}

void Orchestrator::Impl::TimerLoop() {
  absl::Time next_resync = absl::Now() + options_.resync_interval;
  for (;;) {
    std::vector<std::string> due;
    bool resync = false;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time wake =
          timers_.empty() ? next_resync : std::min(next_resync, timers_.begin()->first);
      mu_.AwaitWithDeadline(absl::Condition(&stopping_), std::min(wake, absl::Now() + absl::Milliseconds(200)));
      if (stopping_) return;
      const absl::Time now = absl::Now();
      while (!timers_.empty() && timers_.begin()->first <= now) {
        due.push_back(timers_.begin()->second);
        timers_.erase(timers_.begin());
      }
      if (now >= next_resync) {
        resync = true;
        next_resync = now + options_.resync_interval;
      }
    }
    for (const std::string& key : due) {
      const size_t slash = key.find('/');
      Enqueue(key.substr(0, slash), key.substr(slash + 1));
    }
    if (resync) EnqueueAll();
  }
}

void Orchestrator::Impl::OnExit(const InstanceKey& key, const runner::ExitStatus& status) {
  std::string service;
  {
    absl::MutexLock lock(&mu_);
    auto it = runtime_.find(key);
    if (it == runtime_.end()) return;
    it->second.running = false;
    it->second.ready = false;
    it->second.exit = status;
    service = it->second.service;
  }
  Enqueue(key.ns, service);
}

void Orchestrator::Impl::OnReadiness(const InstanceKey& key, bool ready) {
  std::string service;
  {
    absl::MutexLock lock(&mu_);
    auto it = runtime_.find(key);
    if (it == runtime_.end() || !it->second.running) return;
    it->second.ready = ready;
    service = it->second.service;
  }
  Enqueue(key.ns, service);
}

void Orchestrator::Impl::OnLivenessFailed(const InstanceKey& key, std::string message) {
  std::string service;
  {
    absl::MutexLock lock(&mu_);
    auto it = runtime_.find(key);
    if (it == runtime_.end() || !it->second.running) return;
    it->second.ready = false;
    it->second.liveness_failure = std::move(message);
    service = it->second.service;
  }
  Enqueue(key.ns, service);
}

void Orchestrator::Impl::OnStoreEvents(store::Watch* watch, bool by_namespace) {
  absl::flat_hash_set<std::string> namespaces;
  for (;;) {
    absl::StatusOr<std::optional<store::Event>> e = watch->TryNext();
    if (!e.ok() || !e->has_value()) break;
    const store::Record& r = (*e)->record;
    if (by_namespace) {
      namespaces.insert(r.ns);
    } else {
      Enqueue(r.ns, r.name);
    }
  }
  if (namespaces.empty()) return;
  absl::StatusOr<std::vector<api::Service>> services = ListServices(Reader::Of(deps_.store), "");
  if (!services.ok()) return;
  for (const api::Service& s : *services) {
    if (namespaces.contains(s.spec().namespace_())) Enqueue(s.spec().namespace_(), s.spec().name());
  }
}

absl::StatusOr<bool> Orchestrator::Impl::SameWorkload(const std::string& ns,
                                                      const std::string& name,
                                                      int64_t generation,
                                                      const api::ServiceSpec& current) {
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        deps_.store->Get(store::kServiceHistory, ns, HistoryName(name, generation)));
  if (!record.has_value()) return false;
  RUNE_ASSIGN_OR_RETURN(api::ServiceHistoryEntry entry, ParseHistory(*record));
  api::ServiceSpec a = entry.spec();
  api::ServiceSpec b = current;
  a.clear_scale();
  b.clear_scale();
  return common::spec::CanonicalSpec(a) == common::spec::CanonicalSpec(b);
}

absl::StatusOr<std::optional<std::string>> Orchestrator::Impl::DependencyBlock(
    const api::Service& svc, absl::Time now) {
  const Reader reader = Reader::Of(deps_.store);
  const std::string& ns = svc.spec().namespace_();
  const std::string qkey = QueueKey(ns, svc.spec().name());
  for (const api::Dependency& dep : svc.spec().dependencies()) {
    if (dep.optional()) continue;
    const std::string dep_ns = dep.namespace_().empty() ? ns : dep.namespace_();
    bool satisfied = false;
    if (dep.kind() == api::Dependency::SECRET || dep.kind() == api::Dependency::CONFIGMAP) {
      RUNE_ASSIGN_OR_RETURN(
          std::optional<store::Record> r,
          reader.Get(dep.kind() == api::Dependency::SECRET ? store::kSecret : store::kConfigmap,
                     dep_ns, dep.name()));
      satisfied = r.has_value();
    } else {
      RUNE_ASSIGN_OR_RETURN(std::vector<Instance> instances,
                            InstancesOf(reader, dep_ns, dep.name()));
      satisfied = ServiceSatisfies(dep.ready_when(), instances);
    }
    if (satisfied) continue;
    absl::Time since;
    {
      absl::MutexLock lock(&mu_);
      ServiceMemory& m = memory_[qkey];
      if (m.gated_since == absl::InfinitePast()) m.gated_since = now;
      since = m.gated_since;
    }
    if (dep.timeout_seconds() > 0) {
      const absl::Duration timeout = absl::Seconds(dep.timeout_seconds());
      if (now - since >= timeout) {
        return std::optional<std::string>(absl::StrCat("dependency ", dep_ns, "/", dep.name(),
                                                        " not ready after ", Seconds(timeout)));
      }
      At(since + timeout, ns, svc.spec().name());
    }
    return std::optional<std::string>("");
  }
  absl::MutexLock lock(&mu_);
  memory_[qkey].gated_since = absl::InfinitePast();
  return std::optional<std::string>();
}

absl::Status Orchestrator::Impl::ReconcileOrphans(const std::string& ns, const std::string& name,
                                                  std::vector<Instance>& instances) {
  for (Instance& inst : instances) RUNE_RETURN_IF_ERROR(StopInstance(inst, /*remove=*/true));
  // Processes whose records went with a forced namespace delete.
  std::vector<InstanceKey> orphans;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, rt] : runtime_) {
      if (key.ns == ns && rt.service == name) orphans.push_back(key);
    }
  }
  for (const InstanceKey& key : orphans) {
    bool has_record = false;
    for (const Instance& inst : instances) has_record = has_record || inst.id() == key.id;
    if (has_record) continue;
    probes_.Forget(key);
    (void)deps_.runner->Stop(key, options_.stop_grace_period);
    (void)deps_.runner->Remove(key);
    Instance gone;
    gone.set_namespace_(key.ns);
    gone.set_id(key.id);
    gone.set_service(name);
    {
      absl::MutexLock lock(&mu_);
      runtime_.erase(key);
    }
    if (deps_.instance_removed) deps_.instance_removed(gone);
  }
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::ReconcileDeletion(const std::string& ns, const std::string& name,
                                                   api::DeletionOperation op,
                                                   std::vector<Instance>& instances) {
  const absl::Time now = absl::Now();
  if (op.state() == api::DeletionOperation::PENDING) {
    op.set_state(api::DeletionOperation::DELETING_INSTANCES);
    op.set_instances_total(static_cast<int32_t>(instances.size()));
    RUNE_RETURN_IF_ERROR(deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
      return txn.Put(store::kDeletionOp, ns, op.id(), op.SerializeAsString()).status();
    }));
  }
  bool waiting = false;
  for (Instance& inst : instances) {
    RUNE_ASSIGN_OR_RETURN(bool kept, Absorb(api::ServiceSpec(), inst));
    if (!kept) continue;
    bool running;
    {
      absl::MutexLock lock(&mu_);
      running = runtime_[{inst.namespace_(), inst.id()}].running;
    }
    if (running) {
      RUNE_RETURN_IF_ERROR(StopInstance(inst, /*remove=*/false));
      waiting = true;
    }
  }
  if (waiting) return absl::OkStatus();
  for (const Instance& inst : instances) {
    const InstanceKey key{inst.namespace_(), inst.id()};
    probes_.Forget(key);
    (void)deps_.runner->Remove(key);
    {
      absl::MutexLock lock(&mu_);
      runtime_.erase(key);
    }
    if (deps_.instance_removed) deps_.instance_removed(inst);
  }
  RUNE_RETURN_IF_ERROR(deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> current,
                          txn.Get(store::kDeletionOp, ns, op.id()));
    if (!current.has_value()) return absl::OkStatus();
    RUNE_ASSIGN_OR_RETURN(api::DeletionOperation fresh, ParseDeletionOp(*current));
    fresh.set_state(api::DeletionOperation::DELETING_INSTANCES);
    if (fresh.instances_total() == 0) fresh.set_instances_total(op.instances_total());
    return RunDeletion(txn, &fresh, now);
  }));
  absl::MutexLock lock(&mu_);
  memory_.erase(QueueKey(ns, name));
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::Reconcile(const std::string& ns, const std::string& name) {
  const Reader reader = Reader::Of(deps_.store);
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> found, FindService(reader, ns, name));
  RUNE_ASSIGN_OR_RETURN(std::vector<Instance> instances, InstancesOf(reader, ns, name));
  if (!found.has_value()) return ReconcileOrphans(ns, name, instances);
  api::Service svc = std::move(*found);
  RUNE_ASSIGN_OR_RETURN(std::optional<api::DeletionOperation> deletion,
                        FindActiveDeletion(reader, ns, name));
  if (deletion.has_value()) return ReconcileDeletion(ns, name, *deletion, instances);

  const absl::Time now = absl::Now();
  const std::string qkey = QueueKey(ns, name);

  // Scaling operations may move the scale first.
  RUNE_ASSIGN_OR_RETURN(bool scale_changed,
                        scaling_.Advance(deps_.store, svc, instances, now,
                                         [&](absl::Time t) { At(t, ns, name); }));
  if (scale_changed) {
    RUNE_ASSIGN_OR_RETURN(found, FindService(reader, ns, name));
    if (!found.has_value()) return absl::OkStatus();
    svc = std::move(*found);
  }
  const api::ServiceSpec& spec = svc.spec();
  const int64_t generation = svc.metadata().generation();
  const int scale = spec.scale();

  // 1. Events → records.
  std::vector<Instance> current;
  for (Instance& inst : instances) {
    RUNE_ASSIGN_OR_RETURN(bool kept, Absorb(spec, inst));
    if (kept) current.push_back(std::move(inst));
  }
  // Instances of an older generation whose workload is unchanged (only the
  // scale differs) move to the current generation without a restart.
  for (Instance& inst : current) {
    if (inst.generation() == generation) continue;
    RUNE_ASSIGN_OR_RETURN(bool same, SameWorkload(ns, name, inst.generation(), spec));
    if (same) {
      inst.set_generation(generation);
      RUNE_RETURN_IF_ERROR(PutInstance(inst));
    }
  }

  // 2. Scale down: ordinals >= scale go, highest first.
  std::sort(current.begin(), current.end(), [](const Instance& a, const Instance& b) {
    return a.ordinal() != b.ordinal() ? a.ordinal() > b.ordinal() : a.id() < b.id();
  });
  std::vector<Instance> kept;
  for (Instance& inst : current) {
    if (inst.ordinal() >= scale) {
      RUNE_RETURN_IF_ERROR(StopInstance(inst, /*remove=*/true));
      if (HasProcess(inst)) kept.push_back(std::move(inst));  // still counted while stopping
    } else {
      kept.push_back(std::move(inst));
    }
  }
  current = std::move(kept);
  std::reverse(current.begin(), current.end());

  // 3–5. Per ordinal: dependency gate, scale up, rollout, restart backoff.
  std::optional<std::string> dependency_message;
  std::string stalled_message;
  bool gate_checked = false;
  std::optional<std::string> gate;
  auto gated = [&]() -> absl::StatusOr<bool> {
    if (!gate_checked) {
      RUNE_ASSIGN_OR_RETURN(gate, DependencyBlock(svc, now));
      gate_checked = true;
      if (gate.has_value() && !gate->empty()) dependency_message = *gate;
    }
    return gate.has_value();
  };
  const bool recreate_default = spec.has_expose();
  bool rollout_busy = false;
  for (int ordinal = 0; ordinal < scale; ++ordinal) {
    std::vector<Instance*> fresh, old;
    bool rolling_replace = !recreate_default;
    for (Instance& inst : current) {
      if (inst.ordinal() != ordinal) continue;
      bool replace, replace_rolling;
      {
        absl::MutexLock lock(&mu_);
        const Runtime& rt = runtime_[{inst.namespace_(), inst.id()}];
        replace = rt.replace;
        replace_rolling = rt.replace_rolling;
      }
      if (replace) rolling_replace = replace_rolling;
      if (inst.generation() == generation && !replace) {
        fresh.push_back(&inst);
      } else {
        old.push_back(&inst);
      }
    }
    // Extra instances of the current generation for one ordinal: keep one.
    while (fresh.size() > 1) {
      RUNE_RETURN_IF_ERROR(StopInstance(*fresh.back(), /*remove=*/true));
      fresh.pop_back();
    }
    if (fresh.empty()) {
      if (!old.empty() && !rolling_replace) {
        bool any_process = false;
        for (Instance* o : old) {
          if (HasProcess(*o)) any_process = true;
          RUNE_RETURN_IF_ERROR(StopInstance(*o, /*remove=*/true));
        }
        if (any_process) continue;  // the replacement starts once they are gone
      }
      if (!old.empty() && rolling_replace && rollout_busy) continue;
      RUNE_ASSIGN_OR_RETURN(bool blocked, gated());
      if (blocked) continue;
      Instance inst;
      inst.set_id(NewInstanceId(name));
      inst.set_name(absl::StrCat(name, "-", ordinal));
      inst.set_namespace_(ns);
      inst.set_service(name);
      inst.set_generation(generation);
      inst.set_runner(spec.has_process() ? Instance::PROCESS : Instance::DOCKER);
      inst.set_node("local");
      inst.set_ordinal(ordinal);
      inst.set_status(Instance::PENDING);
      common::ToTimestamp(now, inst.mutable_created_at());
      RUNE_RETURN_IF_ERROR(PutInstance(inst));
      RUNE_RETURN_IF_ERROR(StartInstance(svc, inst));
      RUNE_ASSIGN_OR_RETURN(bool still, Absorb(spec, inst));
      if (still) current.push_back(inst);
      if (!old.empty()) rollout_busy = true;
      continue;
    }
    Instance& inst = *fresh.front();
    bool restart_due = false, restart_pending = false, ready = false;
    absl::Time backoff_until;
    {
      absl::MutexLock lock(&mu_);
      const Runtime& rt = runtime_[{inst.namespace_(), inst.id()}];
      restart_pending = rt.restart_pending;
      backoff_until = rt.backoff_until;
      restart_due = rt.restart_pending && now >= rt.backoff_until;
      ready = rt.ready && rt.running;
    }
    if (inst.status() == Instance::PENDING) {
      RUNE_ASSIGN_OR_RETURN(bool blocked, inst.has_started_at() ? false : gated());
      if (!blocked) {
        RUNE_RETURN_IF_ERROR(StartInstance(svc, inst));
        RUNE_RETURN_IF_ERROR(Absorb(spec, inst).status());
      }
    } else if (restart_due) {
      RUNE_RETURN_IF_ERROR(StartInstance(svc, inst));
      RUNE_RETURN_IF_ERROR(Absorb(spec, inst).status());
    } else if (restart_pending) {
      At(backoff_until, ns, name);
    } else if (WaitingForRunner(inst)) {
      RUNE_RETURN_IF_ERROR(StartInstance(svc, inst));
      RUNE_RETURN_IF_ERROR(Absorb(spec, inst).status());
    }
    if (!old.empty()) {
      if (ready) {
        for (Instance* o : old) RUNE_RETURN_IF_ERROR(StopInstance(*o, /*remove=*/true));
      } else {
        rollout_busy = true;
        const absl::Time created = common::FromTimestamp(inst.created_at());
        if (now - created >= options_.progress_deadline) {
          stalled_message = absl::StrCat("rollout stalled: ", inst.name(), " not ready after ",
                                         Seconds(options_.progress_deadline));
        } else {
          At(created + options_.progress_deadline, ns, name);
        }
      }
    }
  }

  // 6. Status.
  RUNE_ASSIGN_OR_RETURN(std::vector<Instance> latest, InstancesOf(reader, ns, name));
  int ready = 0, running = 0;
  bool all_current = true, any_started_current = false, any_failed = false, any_live = false;
  std::string failure;
  for (const Instance& inst : latest) {
    if (inst.status() == Instance::RUNNING) ++running;
    if (inst.status() == Instance::RUNNING && inst.ready() && inst.ordinal() < scale) ++ready;
    if (HasProcess(inst)) any_live = true;
    if (inst.generation() != generation && inst.status() != Instance::STOPPED) all_current = false;
    {
      absl::MutexLock lock(&mu_);
      auto it = runtime_.find(InstanceKey{inst.namespace_(), inst.id()});
      if (it != runtime_.end() && it->second.replace && inst.status() != Instance::STOPPED) {
        all_current = false;
      }
    }
    if (inst.generation() == generation && inst.has_started_at()) any_started_current = true;
    if (inst.status() == Instance::FAILED || inst.status() == Instance::UNHEALTHY) {
      any_failed = true;
      if (failure.empty()) {
        failure = inst.message().empty() ? inst.last_failure_message() : inst.message();
        if (absl::StartsWith(failure, "restarting in ") && !inst.last_failure_message().empty()) {
          failure = absl::StrCat(inst.last_failure_message(), "; ", failure);
        }
      }
    }
  }
  bool reached;
  {
    absl::MutexLock lock(&mu_);
    ServiceMemory& m = memory_[qkey];
    if (m.generation != generation || m.scale != scale) {
      m.generation = generation;
      m.scale = scale;
      m.reached = false;
      m.change_at = now;
    }
    if (ready == scale && all_current) m.reached = true;
    reached = m.reached;
  }
  ServiceStatus status;
  status.set_desired(scale);
  status.set_ready(ready);
  status.set_running(running);
  if (svc.status().has_last_scale_at()) {
    *status.mutable_last_scale_at() = svc.status().last_scale_at();
  }
  std::string message = dependency_message.value_or("");
  if (message.empty()) message = stalled_message;
  if (message.empty()) message = failure;
  if (scale == 0) {
    status.set_phase(any_live ? ServiceStatus::STOPPING : ServiceStatus::STOPPED);
  } else if (ready == scale && all_current) {
    status.set_phase(ServiceStatus::RUNNING);
    message.clear();
  } else if (ready == 0 && (any_failed || dependency_message.has_value() ||
                            !stalled_message.empty())) {
    status.set_phase(ServiceStatus::FAILED);
  } else if (!any_started_current) {
    status.set_phase(ServiceStatus::PENDING);
  } else if (!reached) {
    status.set_phase(ServiceStatus::DEPLOYING);
  } else {
    status.set_phase(ServiceStatus::DEGRADED);
  }
  status.set_message(message);
  status.set_observed_generation(all_current ? generation : svc.status().observed_generation());
  if (status.SerializeAsString() == svc.status().SerializeAsString()) return absl::OkStatus();
  const uint64_t version = svc.metadata().resource_version();
  api::Service updated = svc;
  updated.mutable_metadata()->clear_resource_version();
  *updated.mutable_status() = status;
  absl::Status written = deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
    return txn.Put(store::kService, ns, name, updated.SerializeAsString(), version).status();
  });
  if (absl::IsAborted(written)) {
    Enqueue(ns, name);  // the spec changed meanwhile: reconcile again
    return absl::OkStatus();
  }
  RUNE_RETURN_IF_ERROR(written);
  // Dependents gate on this service's instances.
  absl::StatusOr<std::vector<api::Dependent>> dependents = Dependents(reader, ns, name);
  if (dependents.ok()) {
    for (const api::Dependent& d : *dependents) Enqueue(d.namespace_(), d.name());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Orchestrator::Impl::Restart(absl::string_view ns,
                                                                     absl::string_view name,
                                                                     bool rolling) {
  const Reader reader = Reader::Of(deps_.store);
  RUNE_ASSIGN_OR_RETURN(api::Service svc, GetExistingService(reader, ns, name));
  if (svc.spec().scale() == 0) {
    return common::WithHint(
        absl::FailedPreconditionError(
            absl::StrCat("service \"", ns, "/", name, "\" is stopped (scale 0)")),
        absl::StrCat("start it with 'rune scale ", name, " <n>'"));
  }
  RUNE_ASSIGN_OR_RETURN(std::vector<Instance> instances, InstancesOf(reader, ns, name));
  std::vector<std::string> ids;
  {
    absl::MutexLock lock(&mu_);
    for (const Instance& inst : instances) {
      if (inst.ordinal() >= svc.spec().scale()) continue;
      Runtime& rt = runtime_[{inst.namespace_(), inst.id()}];
      rt.service = inst.service();
      rt.replace = true;
      rt.replace_rolling = rolling && !svc.spec().has_expose();
      ids.push_back(inst.id());
    }
    memory_[QueueKey(ns, name)].reached = false;
  }
  // The stored status says "not done" before the call returns.
  RUNE_RETURN_IF_ERROR(deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(api::Service fresh, GetExistingService(Reader::Of(txn), ns, name));
    const uint64_t version = fresh.metadata().resource_version();
    fresh.mutable_metadata()->clear_resource_version();
    fresh.mutable_status()->set_phase(ServiceStatus::DEPLOYING);
    return txn.Put(store::kService, ns, name, fresh.SerializeAsString(), version).status();
  }));
  Enqueue(ns, name);
  return ids;
}

absl::StatusOr<api::DeleteInstanceResponse> Orchestrator::Impl::DeleteInstance(
    const api::DeleteInstanceRequest& request) {
  const std::string ns = EffectiveNamespace(request.namespace_());
  RUNE_ASSIGN_OR_RETURN(std::optional<Instance> target,
                        FindInstance(Reader::Of(deps_.store), ns, request.id()));
  if (!target.has_value()) return InstanceNotFound(ns, request.id());
  api::DeleteInstanceResponse response;
  response.set_namespace_(ns);
  response.set_id(target->id());
  response.set_name(target->name());
  response.set_dry_run(request.dry_run());
  if (request.dry_run()) return response;
  const InstanceKey key{ns, target->id()};
  probes_.Forget(key);
  {
    absl::MutexLock lock(&mu_);
    Runtime& rt = runtime_[key];
    rt.service = target->service();
    rt.stop_requested = true;
    rt.remove_after_stop = true;
  }
  RUNE_RETURN_IF_ERROR(deps_.runner->Stop(key, options_.stop_grace_period));
  RUNE_RETURN_IF_ERROR(RemoveInstance(*target));
  Enqueue(ns, target->service());
  response.set_state(api::DeletionOperation::COMPLETED);
  return response;
}

Orchestrator::Orchestrator(OrchestratorDeps deps, OrchestratorOptions options)
    : impl_(std::make_unique<Impl>(std::move(deps), options)) {}
Orchestrator::~Orchestrator() = default;
absl::Status Orchestrator::Start() { return impl_->Start(); }
void Orchestrator::Shutdown(bool stop_instances) { impl_->Shutdown(stop_instances); }
bool Orchestrator::FirstPassDone() const { return impl_->FirstPassDone(); }
void Orchestrator::Enqueue(absl::string_view ns, absl::string_view name) {
  impl_->Enqueue(ns, name);
}
void Orchestrator::Resync() { impl_->Resync(); }
absl::StatusOr<std::vector<std::string>> Orchestrator::Restart(absl::string_view ns,
                                                               absl::string_view name,
                                                               bool rolling) {
  return impl_->Restart(ns, name, rolling);
}
absl::StatusOr<api::DeleteInstanceResponse> Orchestrator::DeleteInstance(
    const api::DeleteInstanceRequest& r) {
  return impl_->DeleteInstance(r);
}
ProbeManager* Orchestrator::probes() { return impl_->probes(); }

}  // namespace rune::daemon
