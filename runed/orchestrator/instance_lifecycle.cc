// The lifecycle of one instance inside the orchestrator: start it (with
// its resolved environment and mounts, at most max_parallel_starts at once),
// stop it in the background, and fold the runner's exits and probe failures
// into its record with the restart policy and backoff of SPEC §5.8.5.
#include "runed/orchestrator/orchestrator_impl.h"

namespace rune::daemon {

using namespace orchestrator_internal;  // NOLINT: the target's own helpers

absl::Status Orchestrator::Impl::PutInstance(Instance& inst) {
  common::ToTimestamp(absl::Now(), inst.mutable_updated_at());
  inst.clear_resource_version();
  return deps_.store
      ->Update([&](store::WriteTxn& txn) -> absl::Status {
        return txn.Put(store::kInstance, inst.namespace_(), inst.id(), inst.SerializeAsString())
            .status();
      });
}

absl::Status Orchestrator::Impl::RemoveInstance(const Instance& inst) {
  const InstanceKey key{inst.namespace_(), inst.id()};
  probes_.Forget(key);
  RUNE_RETURN_IF_ERROR(deps_.store->Update([&](store::WriteTxn& txn) -> absl::Status {
    return txn.Delete(store::kInstance, inst.namespace_(), inst.id()).status();
  }));
  (void)deps_.runner->Remove(key);
  {
    absl::MutexLock lock(&mu_);
    runtime_.erase(key);
  }
  if (deps_.instance_removed) deps_.instance_removed(inst);
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::StopInstance(Instance& inst, bool remove) {
  const InstanceKey key{inst.namespace_(), inst.id()};
  bool running;
  {
    absl::MutexLock lock(&mu_);
    Runtime& rt = runtime_[key];
    rt.service = inst.service();
    rt.remove_after_stop = rt.remove_after_stop || remove;
    running = rt.running;
    if (running && rt.stop_requested) return absl::OkStatus();  // already stopping
    rt.stop_requested = true;
    rt.restart_pending = false;
  }
  if (!running) {
    if (remove) return RemoveInstance(inst);
    if (inst.status() != Instance::STOPPED && inst.status() != Instance::FAILED) {
      inst.set_status(Instance::STOPPED);
      inst.set_ready(false);
      return PutInstance(inst);
    }
    return absl::OkStatus();
  }
  probes_.Forget(key);
  inst.set_status(Instance::STOPPING);
  inst.set_ready(false);
  RUNE_RETURN_IF_ERROR(PutInstance(inst));
  {
    absl::MutexLock lock(&mu_);
    ++stops_in_flight_;
  }
  std::thread([this, key] { StopInBackground(key, "stopped"); }).detach();
  return absl::OkStatus();
}

void Orchestrator::Impl::StopInBackground(const InstanceKey& key, const std::string& message) {
  absl::Status s = deps_.runner->Stop(key, options_.stop_grace_period);
  if (!s.ok()) Log().Warn("stop failed", {{"instance", key.id}, {"error", std::string(s.message())}});
  std::string service;
  {
    absl::MutexLock lock(&mu_);
    // The exit callback records the exit, possibly just after Stop returns;
    // only when it never comes (the process was already gone) is one made up
    // here, so an exit is never handled twice.
    auto exited = [this, &key]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      auto it = runtime_.find(key);
      return it == runtime_.end() || !it->second.running;
    };
    mu_.AwaitWithTimeout(absl::Condition(&exited), absl::Seconds(2));
    auto it = runtime_.find(key);
    if (it != runtime_.end()) {
      if (it->second.running && s.ok()) {
        it->second.running = false;
        if (!it->second.exit.has_value()) {
          runner::ExitStatus e;
          e.message = message;
          e.finished_at = absl::Now();
          it->second.exit = e;
        }
      }
      service = it->second.service;
    }
    --stops_in_flight_;
  }
  Enqueue(key.ns, service);
}

void Orchestrator::Impl::FailStart(Instance& inst, const std::string& message) {
  runner::ExitStatus exit;
  exit.start_failed = true;
  exit.message = message;
  exit.finished_at = absl::Now();
  absl::MutexLock lock(&mu_);
  Runtime& rt = runtime_[{inst.namespace_(), inst.id()}];
  rt.running = false;
  rt.exit = exit;
}

absl::Status Orchestrator::Impl::WaitForRunner(Instance& inst, const std::string& message) {
  {
    absl::MutexLock lock(&mu_);
    Runtime& rt = runtime_[{inst.namespace_(), inst.id()}];
    rt.service = inst.service();
    rt.running = false;
    rt.restart_pending = false;
  }
  if (inst.status() == Instance::FAILED && inst.message() == message) return absl::OkStatus();
  inst.set_status(Instance::FAILED);
  inst.set_ready(false);
  inst.set_message(message);
  inst.set_last_failure_message(message);
  return PutInstance(inst);
}

absl::Status Orchestrator::Impl::StartInstance(const api::Service& svc, Instance& inst) {
  const InstanceKey key{inst.namespace_(), inst.id()};
  const bool image = !svc.spec().has_process();
  // An unreachable engine: the instance waits for it (no backoff, no
  // restart counted) and starts once the engine is back.
  if (image && options_.docker_enabled && deps_.docker_unavailable) {
    const std::string why = deps_.docker_unavailable();
    if (!why.empty()) return WaitForRunner(inst, absl::StrCat(kDockerUnavailablePrefix, why));
  }
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Impl* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return self->stopping_ || self->starts_in_flight_ < std::max(1, self->options_.max_parallel_starts);
        },
        this));
    if (stopping_) return absl::CancelledError("shutting down");
    ++starts_in_flight_;
    Runtime& rt = runtime_[key];
    rt.service = inst.service();
    rt.restart_pending = false;
    rt.stop_requested = false;
    rt.liveness_stop = false;
    rt.exit.reset();
    rt.liveness_failure.clear();
  }
  struct Release {
    Impl* self;
    ~Release() {
      absl::MutexLock lock(&self->mu_);
      --self->starts_in_flight_;
    }
  } release{this};

  const bool restart = inst.has_started_at();
  if (!restart && deps_.instance_created) deps_.instance_created(inst);
  if (restart) inst.set_restarts(inst.restarts() + 1);
  inst.set_status(Instance::STARTING);
  inst.set_ready(false);
  inst.clear_exit_code();
  RUNE_RETURN_IF_ERROR(PutInstance(inst));

  const api::ServiceSpec& spec = svc.spec();
  InstanceIdentity identity{inst.namespace_(), inst.service(), inst.id(), inst.name(),
                            inst.ordinal()};
  const Reader reader = Reader::Of(deps_.store);
  ServiceLookup services = [&reader](absl::string_view ns, absl::string_view name)
      -> absl::StatusOr<std::optional<api::ServiceSpec>> {
    RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> s, FindService(reader, ns, name));
    if (!s.has_value()) return std::optional<api::ServiceSpec>();
    return std::optional<api::ServiceSpec>(s->spec());
  };
  runner::StartSpec start;
  start.ns = inst.namespace_();
  start.service = inst.service();
  start.service_id = svc.metadata().id();
  start.id = inst.id();
  start.name = inst.name();
  start.ordinal = inst.ordinal();
  start.generation = inst.generation();
  start.spec = spec;
  if (image ? !options_.docker_enabled : !options_.process_enabled) {
    FailStart(inst, absl::StrCat(image ? "docker" : "process", " runner is disabled on this server"));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> env =
      ResolveEnvironment(spec, identity, deps_.secrets, deps_.configmaps, services);
  absl::StatusOr<std::vector<runner::Mount>> mounts =
      env.ok() ? ResolveMounts(spec, deps_.secrets, deps_.configmaps)
               : absl::StatusOr<std::vector<runner::Mount>>(env.status());
  absl::StatusOr<runner::Started> started =
      mounts.ok() ? [&] {
        start.env = std::move(*env);
        start.mounts = std::move(*mounts);
        return deps_.runner->Start(start);
      }()
                  : absl::StatusOr<runner::Started>(mounts.status());
  if (!started.ok() && image && absl::IsUnavailable(started.status()) &&
      absl::StartsWith(started.status().message(), kDockerUnavailablePrefix)) {
    return WaitForRunner(inst, std::string(started.status().message()));
  }
  if (!started.ok()) {
    FailStart(inst, std::string(started.status().message()));
    return absl::OkStatus();  // Absorb() turns it into Failed + backoff
  }
  inst.set_status(Instance::RUNNING);
  if (started->container_id.empty()) {
    inst.set_pid(started->pid);
  } else {
    inst.set_container_id(started->container_id);
  }
  inst.set_ip(started->ip);
  common::ToTimestamp(started->started_at, inst.mutable_started_at());
  inst.clear_finished_at();
  inst.set_message(started->message);
  {
    absl::MutexLock lock(&mu_);
    Runtime& rt = runtime_[key];
    // An exit may already have been reported by the runner.
    if (!rt.exit.has_value()) {
      rt.running = true;
      rt.running_since = started->started_at;
    }
  }
  RUNE_RETURN_IF_ERROR(PutInstance(inst));
  probes_.Watch(key, spec, started->started_at, started->ip.empty() ? "127.0.0.1" : started->ip);
  return absl::OkStatus();
}

absl::StatusOr<bool> Orchestrator::Impl::Absorb(const api::ServiceSpec& spec, Instance& inst) {
  const InstanceKey key{inst.namespace_(), inst.id()};
  const absl::Time now = absl::Now();
  Runtime rt;
  std::optional<runner::ExitStatus> exit;
  std::string liveness;
  {
    absl::MutexLock lock(&mu_);
    auto it = runtime_.find(key);
    if (it == runtime_.end()) {
      Runtime& fresh = runtime_[key];
      fresh.service = inst.service();
      // A record in a running state that no runtime knows of: its process
      // is gone (e.g. the runner lost it).
      if (HasProcess(inst)) {
        runner::ExitStatus lost;
        lost.message = "instance process lost";
        lost.finished_at = now;
        fresh.exit = lost;
      }
      it = runtime_.find(key);
    }
    exit = std::move(it->second.exit);
    it->second.exit.reset();
    liveness = std::move(it->second.liveness_failure);
    it->second.liveness_failure.clear();
    if (exit.has_value()) {
      it->second.running = false;
      it->second.ready = false;
    }
    rt = it->second;
  }
  bool changed = false;
  if (exit.has_value()) {
    probes_.Forget(key);
    common::ToTimestamp(exit->finished_at == absl::InfinitePast() ? now : exit->finished_at,
                        inst.mutable_finished_at());
    inst.set_ready(false);
    if (!exit->start_failed && exit->signal == 0) inst.set_exit_code(exit->exit_code);
    if (rt.stop_requested && !rt.liveness_stop) {
      if (rt.remove_after_stop) {
        RUNE_RETURN_IF_ERROR(RemoveInstance(inst));
        return false;
      }
      inst.set_status(Instance::STOPPED);
      inst.set_message("");
    } else {
      const bool failed = exit->start_failed || exit->signal != 0 || exit->exit_code != 0 ||
                          rt.liveness_stop;
      const std::string why = rt.liveness_stop ? inst.last_failure_message() : exit->message;
      const auto policy = spec.restart_policy();
      const bool restart = policy == api::ServiceSpec::ALWAYS ||
                           policy == api::ServiceSpec::RESTART_POLICY_UNSPECIFIED ||
                           (policy == api::ServiceSpec::ON_FAILURE && failed);
      if (failed) inst.set_last_failure_message(why);
      if (restart) {
        absl::MutexLock lock(&mu_);
        Runtime& live = runtime_[key];
        if (live.running_since != absl::InfinitePast() &&
            now - live.running_since >= kBackoffReset) {
          live.consecutive = 0;
        }
        live.consecutive += 1;
        const absl::Duration delay = RestartDelay(live.consecutive);
        live.restart_pending = true;
        live.backoff_until = now + delay;
        live.stop_requested = false;
        live.liveness_stop = false;
        inst.set_status(Instance::FAILED);
        inst.set_message(absl::StrCat("restarting in ", Seconds(delay), " (restart ",
                                      live.consecutive, ")"));
        timers_.emplace(live.backoff_until, QueueKey(inst.namespace_(), inst.service()));
      } else {
        inst.set_status(failed ? Instance::FAILED : Instance::STOPPED);
        inst.set_message(failed ? why : "");
      }
    }
    changed = true;
  } else if (!liveness.empty() && rt.running && !rt.stop_requested) {
    inst.set_status(Instance::UNHEALTHY);
    inst.set_ready(false);
    inst.set_message(liveness);
    inst.set_last_failure_message(liveness);
    RUNE_RETURN_IF_ERROR(PutInstance(inst));
    {
      absl::MutexLock lock(&mu_);
      runtime_[key].liveness_stop = true;
    }
    // Stop it; the exit is then handled as a failure per the policy.
    probes_.Forget(key);
    {
      absl::MutexLock lock(&mu_);
      runtime_[key].stop_requested = true;
      ++stops_in_flight_;
    }
    std::thread([this, key] { StopInBackground(key, "stopped after liveness failure"); })
        .detach();
    return true;
  } else if (inst.status() == Instance::RUNNING && inst.ready() != rt.ready) {
    inst.set_ready(rt.ready);
    changed = true;
  }
  if (changed) RUNE_RETURN_IF_ERROR(PutInstance(inst));
  return true;
}

}  // namespace rune::daemon
