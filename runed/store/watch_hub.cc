#include "runed/store/watch_hub.h"

#include <algorithm>
#include <deque>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rune::store {

// The state one subscriber shares with the hub. The hub keeps it until the
// watch has ended; the Watch handle keeps it for as long as the caller does.
class Subscription {
 public:
  Subscription(absl::string_view kind, absl::string_view ns) : kind_(kind), ns_(ns) {}

  bool Matches(const Record& record) const {
    return record.kind == kind_ && (ns_.empty() || record.ns == ns_);
  }

  // Buffers the matching events; true when the subscriber must be notified.
  bool Push(const std::vector<Event>& events) {
    absl::MutexLock lock(&mu_);
    bool changed = false;
    for (const Event& event : events) {
      if (!end_.ok()) break;
      if (!Matches(event.record)) continue;
      if (buffer_.size() >= WatchHub::kBufferSize) {
        EndLocked(absl::AbortedError("watch fell behind; restart the watch"));
      } else {
        buffer_.push_back(event);
      }
      changed = true;
    }
    return changed;
  }

  // Ends the watch unless it already ended; true when it ended now.
  bool End(absl::Status status) {
    absl::MutexLock lock(&mu_);
    if (!end_.ok()) return false;
    EndLocked(std::move(status));
    return true;
  }

  bool Ended() {
    absl::MutexLock lock(&mu_);
    return !end_.ok();
  }

  absl::StatusOr<std::optional<Event>> Next(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    if (timeout > absl::ZeroDuration()) {
      mu_.AwaitWithTimeout(absl::Condition(this, &Subscription::ReadyLocked), timeout);
    }
    if (!end_.ok()) return end_;
    if (buffer_.empty()) return std::nullopt;
    Event event = std::move(buffer_.front());
    buffer_.pop_front();
    return event;
  }

  void SetNotify(std::function<void()> notify) {
    absl::MutexLock lock(&mu_);
    notify_ = std::move(notify);
    WaitForNotifiersLocked();
  }

  void Cancel() {
    absl::MutexLock lock(&mu_);
    if (end_.ok()) EndLocked(absl::CancelledError("watch cancelled"));
    notify_ = nullptr;
    WaitForNotifiersLocked();
  }

  // Runs the callback without holding mu_, recording the running thread so
  // that SetNotify() and Cancel() can wait for it to return.
  void RunNotify() {
    std::function<void()> notify;
    {
      absl::MutexLock lock(&mu_);
      if (!notify_) return;
      notify = notify_;
      notifying_.push_back(std::this_thread::get_id());
    }
    notify();
    absl::MutexLock lock(&mu_);
    notifying_.erase(std::find(notifying_.begin(), notifying_.end(), std::this_thread::get_id()));
  }

 private:
  bool ReadyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !buffer_.empty() || !end_.ok();
  }
  bool IdleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return notifying_.empty(); }

  void EndLocked(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    end_ = std::move(status);
    buffer_.clear();
  }

  // Returns once no other thread runs the callback. A callback may itself call
  // SetNotify() or Cancel(): its own thread is not waited for.
  void WaitForNotifiersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::thread::id self = std::this_thread::get_id();
    if (std::find(notifying_.begin(), notifying_.end(), self) != notifying_.end()) return;
    mu_.Await(absl::Condition(this, &Subscription::IdleLocked));
  }

  const std::string kind_;
  const std::string ns_;
  absl::Mutex mu_;
  std::deque<Event> buffer_ ABSL_GUARDED_BY(mu_);
  absl::Status end_ ABSL_GUARDED_BY(mu_);  // OK while the watch is open
  std::function<void()> notify_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> notifying_ ABSL_GUARDED_BY(mu_);
};

namespace {

class WatchHandle : public Watch {
 public:
  explicit WatchHandle(std::shared_ptr<Subscription> subscription)
      : subscription_(std::move(subscription)) {}
  ~WatchHandle() override { subscription_->Cancel(); }

  absl::StatusOr<std::optional<Event>> Next(absl::Duration timeout) override {
    return subscription_->Next(timeout);
  }
  absl::StatusOr<std::optional<Event>> TryNext() override {
    return subscription_->Next(absl::ZeroDuration());
  }
  void SetNotify(std::function<void()> notify) override {
    subscription_->SetNotify(std::move(notify));
  }
  void Cancel() override { subscription_->Cancel(); }

 private:
  const std::shared_ptr<Subscription> subscription_;
};

std::function<void()> NotifyOf(std::shared_ptr<Subscription> subscription) {
  return [subscription = std::move(subscription)] { subscription->RunNotify(); };
}

}  // namespace

WatchHub::~WatchHub() {
  for (std::function<void()>& notify : Close()) notify();
}

std::unique_ptr<Watch> WatchHub::Subscribe(absl::string_view kind, absl::string_view ns) {
  auto subscription = std::make_shared<Subscription>(kind, ns);
  absl::MutexLock lock(&mu_);
  if (closed_) {
    subscription->End(absl::CancelledError("store closed"));
  } else {
    subscriptions_.push_back(subscription);
  }
  return std::make_unique<WatchHandle>(std::move(subscription));
}

std::vector<std::function<void()>> WatchHub::Publish(const std::vector<Event>& events) {
  std::vector<std::function<void()>> notify;
  absl::MutexLock lock(&mu_);
  // Ended subscriptions (cancelled, fallen behind) are dropped here.
  auto end = std::remove_if(subscriptions_.begin(), subscriptions_.end(),
                            [](const std::shared_ptr<Subscription>& s) { return s->Ended(); });
  subscriptions_.erase(end, subscriptions_.end());
  for (const std::shared_ptr<Subscription>& subscription : subscriptions_) {
    if (subscription->Push(events)) notify.push_back(NotifyOf(subscription));
  }
  return notify;
}

std::vector<std::function<void()>> WatchHub::Close() {
  std::vector<std::function<void()>> notify;
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (const std::shared_ptr<Subscription>& subscription : subscriptions_) {
    if (subscription->End(absl::CancelledError("store closed"))) {
      notify.push_back(NotifyOf(subscription));
    }
  }
  subscriptions_.clear();
  return notify;
}

}  // namespace rune::store
