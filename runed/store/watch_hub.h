// The watch hub of the store (internal to //runed/store): fans committed
// events out to subscribers filtered by kind and namespace, each with a
// bounded buffer (SPEC §5.7).
//
//   WatchHub hub;
//   std::unique_ptr<Watch> watch = hub.Subscribe(kService, "prod");
//   ...  // under the store's writer lock, in commit order:
//   std::vector<std::function<void()>> notify = hub.Publish(events);
//   ...  // after dropping every lock:
//   for (auto& fn : notify) fn();
//
// Buffer overflow ends a watch with Aborted `watch fell behind; restart the
// watch`; events still buffered at that moment are dropped (the client must
// re-list anyway, so nothing is gained by delivering them first). Any end of a
// watch (overflow, Cancel(), store closed) likewise drops what was buffered.
#ifndef RUNE_RUNED_STORE_WATCH_HUB_H_
#define RUNE_RUNED_STORE_WATCH_HUB_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "runed/store/store.h"

namespace rune::store {

class Subscription;

class WatchHub {
 public:
  // Events a subscriber may hold before it is ended as fallen behind.
  static constexpr size_t kBufferSize = 1024;

  WatchHub() = default;
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;
  ~WatchHub();

  // A new subscription to events of `kind` in `ns` ("" = every namespace).
  // After Close() the watch is already ended with Cancelled.
  std::unique_ptr<Watch> Subscribe(absl::string_view kind, absl::string_view ns);

  // Appends `events` to the buffers of matching subscribers. Callers publish
  // one transaction at a time, in commit order. Returns the notify callbacks
  // to run once the caller holds no lock.
  std::vector<std::function<void()>> Publish(const std::vector<Event>& events);

  // Ends every watch with Cancelled `store closed`; later Subscribe() calls
  // return ended watches. Returns the notify callbacks to run.
  std::vector<std::function<void()>> Close();

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace rune::store

#endif  // RUNE_RUNED_STORE_WATCH_HUB_H_
