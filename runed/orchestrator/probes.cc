#include "runed/orchestrator/probes.h"

#include <deque>
#include <optional>
#include <queue>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "runed/orchestrator/probe_run.h"

namespace rune::daemon {
namespace {

using runner::InstanceKey;

constexpr size_t kRecentResults = 10;
// Enough for 1,000 healthy instances (runs take milliseconds) while a burst
// of timing-out probes cannot starve the others for long.
constexpr size_t kMaxWorkers = 16;
// Without a readiness probe an instance is ready after this long Running.
constexpr absl::Duration kReadyDelay = absl::Seconds(1);

void ToDuration(absl::Duration d, google::protobuf::Duration* out) {
  d = absl::Trunc(d, absl::Microseconds(1));
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

}  // namespace

class ProbeManager::Impl {
 public:
  Impl(runner::Runner* runner, ProbeCallbacks callbacks)
      : runner_(runner), callbacks_(std::move(callbacks)), timer_([this] { TimerLoop(); }) {}

  ~Impl() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      timer_cv_.SignalAll();
      work_cv_.SignalAll();
      delivery_cv_.SignalAll();
    }
    timer_.join();
    std::vector<std::thread> workers;
    {
      absl::MutexLock lock(&mu_);
      workers.swap(workers_);
    }
    for (std::thread& t : workers) t.join();
  }

  void Watch(const InstanceKey& key, const api::ServiceSpec& spec, absl::Time running_since,
             const std::string& ip) {
    auto w = std::make_shared<Watched>();
    w->key = key;
    w->ip = ip;
    const api::HealthSpec& health = spec.health();
    if (health.has_liveness()) w->liveness = MakeProbe(api::ProbeCheck::LIVENESS, health.liveness(), spec);
    if (health.has_readiness()) {
      w->readiness = MakeProbe(api::ProbeCheck::READINESS, health.readiness(), spec);
    }
    absl::MutexLock lock(&mu_);
    // Waiting for a delivery releases the lock, so check again afterwards.
    for (auto it = instances_.find(key); it != instances_.end(); it = instances_.find(key)) {
      RemoveLocked(it);
    }
    w->watch_id = ++next_watch_id_;
    instances_[key] = w;
    if (w->liveness) {
      ScheduleLocked(*w, Job::kLiveness,
                     running_since + absl::Seconds(w->liveness->probe.initial_delay_seconds()));
    }
    if (w->readiness) {
      ScheduleLocked(*w, Job::kReadiness,
                     running_since + absl::Seconds(w->readiness->probe.initial_delay_seconds()));
    } else {
      ScheduleLocked(*w, Job::kReadyDelay, running_since + kReadyDelay);
    }
  }

  void Forget(const InstanceKey& key) {
    absl::MutexLock lock(&mu_);
    for (auto it = instances_.find(key); it != instances_.end(); it = instances_.find(key)) {
      RemoveLocked(it);
    }
  }

  std::vector<api::ProbeCheck> Checks(const InstanceKey& key) const {
    absl::MutexLock lock(&mu_);
    std::vector<api::ProbeCheck> checks;
    auto it = instances_.find(key);
    if (it == instances_.end()) return checks;
    for (const std::optional<Probe>* p : {&it->second->liveness, &it->second->readiness}) {
      if (!p->has_value()) continue;
      const Probe& probe = **p;
      api::ProbeCheck& c = checks.emplace_back();
      c.set_kind(probe.kind);
      *c.mutable_probe() = probe.probe;
      c.set_resolved_port(probe.port);
      if (!probe.recent.empty()) *c.mutable_last_result() = probe.recent.back();
      for (const api::ProbeResult& r : probe.recent) *c.add_recent() = r;
      c.set_consecutive_successes(probe.successes);
      c.set_consecutive_failures(probe.failures);
    }
    return checks;
  }

 private:
  enum class Job { kLiveness, kReadiness, kReadyDelay };

  struct Probe {
    api::ProbeCheck::Kind kind = api::ProbeCheck::KIND_UNSPECIFIED;
    api::Probe probe;        // defaults applied
    int port = 0;            // resolved; 0 for exec
    std::string port_error;  // why `port` could not be resolved
    std::deque<api::ProbeResult> recent;  // oldest first
    int successes = 0;                    // consecutive
    int failures = 0;
  };

  // A callback owed to the orchestrator.
  struct Event {
    bool liveness_failed = false;  // else a readiness change
    bool ready = false;
    std::string message;
  };

  // One watched instance. Fields are guarded by mu_.
  struct Watched {
    InstanceKey key;
    uint64_t watch_id = 0;
    std::string ip;
    std::optional<Probe> liveness;
    std::optional<Probe> readiness;
    bool readiness_ok = false;      // readiness thresholds, or the 1 s delay
    bool liveness_failing = false;  // the last liveness run failed
    bool ready_reported = false;
    bool liveness_reported = false;
    bool forgotten = false;
    // Callbacks are delivered in order by one thread at a time.
    std::deque<Event> events;
    bool delivering = false;
    std::thread::id deliverer;
  };

  struct Timer {
    absl::Time due;
    uint64_t seq;
    InstanceKey key;
    uint64_t watch_id;
    Job job;
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };

  struct Task {
    InstanceKey key;
    uint64_t watch_id = 0;
    Job job = Job::kLiveness;
  };

  static Probe MakeProbe(api::ProbeCheck::Kind kind, const api::Probe& configured,
                         const api::ServiceSpec& spec) {
    Probe p;
    p.kind = kind;
    p.probe = ProbeWithDefaults(configured);
    p.port = ResolveProbePort(p.probe, spec, &p.port_error);
    return p;
  }

  // Erases the instance and waits until no callback of it runs (unless the
  // caller is that callback).
  void RemoveLocked(absl::flat_hash_map<InstanceKey, std::shared_ptr<Watched>>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::shared_ptr<Watched> w = it->second;
    instances_.erase(it);
    w->forgotten = true;
    w->events.clear();
    const std::thread::id me = std::this_thread::get_id();
    while (w->delivering && w->deliverer != me) delivery_cv_.Wait(&mu_);
  }

  std::shared_ptr<Watched> FindLocked(const Task& t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = instances_.find(t.key);
    if (it == instances_.end() || it->second->watch_id != t.watch_id) return nullptr;
    return it->second;
  }

  void ScheduleLocked(const Watched& w, Job job, absl::Time due) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    timers_.push(Timer{due, ++next_seq_, w.key, w.watch_id, job});
    timer_cv_.Signal();
  }

  void TimerLoop() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      const absl::Time now = absl::Now();
      while (!timers_.empty() && timers_.top().due <= now) {
        const Timer& t = timers_.top();
        if (FindLocked(Task{t.key, t.watch_id, t.job}) != nullptr) {
          tasks_.push_back(Task{t.key, t.watch_id, t.job});
          if (idle_ == 0 && workers_.size() < kMaxWorkers) {
            workers_.emplace_back([this] { WorkerLoop(); });
          } else {
            work_cv_.Signal();
          }
        }
        timers_.pop();
      }
      if (timers_.empty()) {
        timer_cv_.Wait(&mu_);
      } else {
        timer_cv_.WaitWithDeadline(&mu_, timers_.top().due);
      }
    }
  }

  void WorkerLoop() {
    for (;;) {
      Task task;
      {
        absl::MutexLock lock(&mu_);
        ++idle_;
        while (!stopping_ && tasks_.empty()) work_cv_.Wait(&mu_);
        --idle_;
        if (stopping_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      RunTask(task);
    }
  }

  void RunTask(const Task& task) {
    std::shared_ptr<Watched> w;
    Probe snapshot;
    std::string ip;
    {
      absl::MutexLock lock(&mu_);
      w = FindLocked(task);
      if (w == nullptr) return;
      if (task.job == Job::kReadyDelay) {
        w->readiness_ok = true;
        UpdateReadyLocked(*w);
      } else {
        const Probe& p = task.job == Job::kLiveness ? *w->liveness : *w->readiness;
        snapshot.probe = p.probe;
        snapshot.port = p.port;
        snapshot.port_error = p.port_error;
        ip = w->ip;
      }
    }
    if (task.job != Job::kReadyDelay) {
      const absl::Time start = absl::Now();
      const ProbeOutcome outcome = Run(w->key, snapshot, ip);
      const absl::Duration latency = absl::Now() - start;
      absl::MutexLock lock(&mu_);
      if (w->forgotten) return;
      Probe& p = task.job == Job::kLiveness ? *w->liveness : *w->readiness;
      RecordLocked(*w, p, outcome, start, latency);
      absl::Time next = start + absl::Seconds(std::max(p.probe.interval_seconds(), 1));
      ScheduleLocked(*w, task.job, std::max(next, absl::Now()));
    }
    Deliver(w);
  }

  ProbeOutcome Run(const InstanceKey& key, const Probe& p, const std::string& ip) {
    const absl::Duration timeout = absl::Seconds(std::max(p.probe.timeout_seconds(), 1));
    if (!p.port_error.empty()) return {false, p.port_error};
    switch (p.probe.type()) {
      case api::Probe::HTTP:
        return RunHttpProbe(p.probe, ip, p.port, timeout);
      case api::Probe::TCP:
        return RunTcpProbe(ip, p.port, timeout);
      case api::Probe::EXEC:
        return RunExecProbe(runner_, key, {p.probe.command().begin(), p.probe.command().end()},
                            timeout);
      default:
        return {false, "unknown probe type"};
    }
  }

  void RecordLocked(Watched& w, Probe& p, const ProbeOutcome& outcome, absl::Time start,
                    absl::Duration latency) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    api::ProbeResult& r = p.recent.emplace_back();
    r.set_success(outcome.success);
    common::ToTimestamp(start, r.mutable_time());
    ToDuration(latency, r.mutable_latency());
    r.set_message(outcome.message);
    while (p.recent.size() > kRecentResults) p.recent.pop_front();
    if (outcome.success) {
      ++p.successes;
      p.failures = 0;
    } else {
      ++p.failures;
      p.successes = 0;
    }
    if (p.kind == api::ProbeCheck::LIVENESS) {
      w.liveness_failing = !outcome.success;
      UpdateReadyLocked(w);
      if (!outcome.success && p.failures >= p.probe.failure_threshold() && !w.liveness_reported) {
        w.liveness_reported = true;
        w.events.push_back(Event{true, false,
                                 absl::StrCat("liveness probe failed ", p.failures,
                                              " times: ", outcome.message)});
      }
      return;
    }
    if (outcome.success && p.successes >= p.probe.success_threshold()) w.readiness_ok = true;
    if (!outcome.success && p.failures >= p.probe.failure_threshold()) w.readiness_ok = false;
    UpdateReadyLocked(w);
  }

  void UpdateReadyLocked(Watched& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const bool ready = w.readiness_ok && !w.liveness_failing;
    if (ready == w.ready_reported) return;
    w.ready_reported = ready;
    w.events.push_back(Event{false, ready, ""});
  }

  // Runs the instance's pending callbacks, outside the lock, unless another
  // thread is already doing so.
  void Deliver(const std::shared_ptr<Watched>& w) {
    {
      absl::MutexLock lock(&mu_);
      if (w->delivering || w->events.empty()) return;
      w->delivering = true;
      w->deliverer = std::this_thread::get_id();
    }
    for (;;) {
      Event e;
      {
        absl::MutexLock lock(&mu_);
        if (w->forgotten || stopping_ || w->events.empty()) {
          w->events.clear();
          w->delivering = false;
          w->deliverer = std::thread::id();
          delivery_cv_.SignalAll();
          return;
        }
        e = std::move(w->events.front());
        w->events.pop_front();
      }
      if (e.liveness_failed) {
        if (callbacks_.liveness_failed) callbacks_.liveness_failed(w->key, std::move(e.message));
      } else if (callbacks_.readiness) {
        callbacks_.readiness(w->key, e.ready);
      }
    }
  }

  runner::Runner* const runner_;
  const ProbeCallbacks callbacks_;

  mutable absl::Mutex mu_;
  absl::CondVar timer_cv_;
  absl::CondVar work_cv_;
  absl::CondVar delivery_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<InstanceKey, std::shared_ptr<Watched>> instances_ ABSL_GUARDED_BY(mu_);
  uint64_t next_watch_id_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::priority_queue<Timer, std::vector<Timer>, Later> timers_ ABSL_GUARDED_BY(mu_);
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: starts once everything above exists.
  std::thread timer_;
};

ProbeManager::ProbeManager(runner::Runner* runner, ProbeCallbacks callbacks)
    : impl_(std::make_unique<Impl>(runner, std::move(callbacks))) {}

ProbeManager::~ProbeManager() = default;

void ProbeManager::Watch(const runner::InstanceKey& key, const api::ServiceSpec& spec,
                         absl::Time running_since, const std::string& ip) {
  impl_->Watch(key, spec, running_since, ip);
}

void ProbeManager::Forget(const runner::InstanceKey& key) { impl_->Forget(key); }

std::vector<api::ProbeCheck> ProbeManager::Checks(const runner::InstanceKey& key) const {
  return impl_->Checks(key);
}

}  // namespace rune::daemon
