// `rune get <type> -w` (SPEC §3.6.2) for any kind with a Watch* RPC: prints
// the initial snapshot, then every change, and keeps a broken stream alive.
//
// Table mode adds a leading EVENT column (ADDED, MODIFIED, DELETED); the
// column widths are fixed by the snapshot. JSON mode prints one compact line
// per event: {"type":"MODIFIED","service":{…}}. A broken stream is reopened
// with a backoff of 1 s doubling to 30 s (`Warning: watch stream interrupted;
// reconnecting`); the new snapshot is compared with what was printed by
// resource version, so only real changes appear. Auth (3) and NotFound (4)
// end the watch with their exit code; SIGINT/SIGTERM end it with 130 and
// nothing printed.
//
//   RunWatch(inv, *conn, kServices, "ServiceService.WatchServices",
//            [&](grpc::ClientContext* ctx, const WatchSink& sink) {
//              auto reader = stub->WatchServices(ctx, request);
//              api::WatchServicesResponse r;
//              while (reader->Read(&r)) sink(r.type(), ListService(r.service(), absl::Now()));
//              return reader->Finish();
//            });
#ifndef RUNE_RUNE_WATCH_H_
#define RUNE_RUNE_WATCH_H_

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/types.pb.h"
#include "rune/connection.h"
#include "rune/resource_output.h"

namespace rune::cli {

// Receives one stream message (the object is ignored for SYNCED).
using WatchSink = std::function<void(api::WatchEventType type, Listed object)>;
// Runs one Watch* call on `ctx` until the stream ends and returns its status.
using WatchCall = std::function<grpc::Status(grpc::ClientContext* ctx, const WatchSink& sink)>;

// Formats watch events (no I/O decisions beyond writing and flushing `out`).
class WatchPrinter {
 public:
  WatchPrinter(std::ostream& out, ResourceKind kind, ListingOptions options)
      : out_(out), kind_(std::move(kind)), options_(std::move(options)) {}

  // The initial snapshot as ADDED events (sorted); fixes the table's column
  // widths (header included unless --no-headers).
  void PrintSnapshot(const std::vector<Listed>& items);
  // One later event, laid out with the snapshot's widths.
  void PrintEvent(api::WatchEventType type, const Listed& item);

 private:
  std::ostream& out_;
  ResourceKind kind_;
  ListingOptions options_;
  std::vector<size_t> widths_;
};

// "ADDED", "MODIFIED", "DELETED".
std::string WatchEventName(api::WatchEventType type);

// Whether a stream that ended with `code` is opened again: transport trouble,
// the server going away (M46), a subscriber that fell behind, a stream that
// simply ended (OK). Shared by `get -w` and the waits of rune/service_wait.h.
bool StreamReopens(grpc::StatusCode code);

// Tracks what has been printed, so a reconnect prints only real changes.
class WatchState {
 public:
  struct Change {
    api::WatchEventType type;
    Listed object;
  };

  // A complete snapshot (after SYNCED). The first one is all ADDED; later
  // ones yield ADDED for new keys, MODIFIED for a different resource version
  // and DELETED (last printed state) for keys that are gone, sorted by key.
  std::vector<Change> Resync(std::vector<Listed> snapshot);
  // A live event; false when it repeats what was printed last (same
  // resource version), so it must not be printed.
  bool Apply(api::WatchEventType type, const Listed& object);

 private:
  std::map<std::string, Listed> known_;
};

// Runs the watch until an interrupt or a final error.
absl::Status RunWatch(Invocation& inv, Connection& conn, const ResourceKind& kind,
                      absl::string_view method, const WatchCall& call);

}  // namespace rune::cli

#endif  // RUNE_RUNE_WATCH_H_
