#include "rune/watch.h"

#include <algorithm>
#include <set>

#include "common/errors.h"
#include "rune/interrupt.h"
#include "rune/output.h"

namespace rune::cli {
namespace {


constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
constexpr size_t kEventWidth = 8;  // "MODIFIED"

}  // namespace

std::string WatchEventName(api::WatchEventType type) {
  switch (type) {
    case api::ADDED:
      return "ADDED";
    case api::MODIFIED:
      return "MODIFIED";
    case api::DELETED:
      return "DELETED";
    default:
      return "-";
  }
}

void WatchPrinter::PrintSnapshot(const std::vector<Listed>& items) {
  if (options_.format == "json") {
    for (const Listed& item : items) PrintEvent(api::ADDED, item);
    return;
  }
  std::vector<std::string> header = ListingHeader(kind_, options_);
  header.insert(header.begin(), "EVENT");
  std::vector<std::vector<std::string>> rows;
  Table table(header);
  for (const Listed& item : items) {
    std::vector<std::string> row = ListingRow(kind_, options_, item);
    row.insert(row.begin(), WatchEventName(api::ADDED));
    table.Add(row);
    rows.push_back(std::move(row));
  }
  widths_ = table.Widths(options_.headers);
  // Every event name fits, so later MODIFIED/DELETED rows stay aligned.
  widths_[0] = std::max(widths_[0], kEventWidth);
  if (options_.headers) out_ << Table::FormatRow(header, widths_) << "\n";
  for (std::vector<std::string>& row : rows) out_ << Table::FormatRow(std::move(row), widths_) << "\n";
  out_.flush();
}

void WatchPrinter::PrintEvent(api::WatchEventType type, const Listed& item) {
  if (options_.format == "json") {
    common::Value line = common::Value::Object();
    line.Set("type", WatchEventName(type));
    line.Set(kind_.singular, item.document);
    out_ << common::ToJson(line, /*indented=*/false) << "\n";
  } else {
    std::vector<std::string> row = ListingRow(kind_, options_, item);
    row.insert(row.begin(), WatchEventName(type));
    out_ << Table::FormatRow(std::move(row), widths_) << "\n";
  }
  out_.flush();
}

std::vector<WatchState::Change> WatchState::Resync(std::vector<Listed> snapshot) {
  SortListed(&snapshot);
  std::vector<Change> changes;
  std::set<std::string> seen;
  std::vector<Listed> gone;
  for (Listed& item : snapshot) {
    const std::string key = item.Key();
    seen.insert(key);
    auto it = known_.find(key);
    if (it == known_.end()) {
      changes.push_back({api::ADDED, item});
    } else if (it->second.resource_version != item.resource_version) {
      changes.push_back({api::MODIFIED, item});
    }
    known_[key] = std::move(item);
  }
  for (auto it = known_.begin(); it != known_.end();) {
    if (seen.count(it->first) > 0) {
      ++it;
      continue;
    }
    gone.push_back(std::move(it->second));
    it = known_.erase(it);
  }
  SortListed(&gone);
  for (Listed& item : gone) changes.push_back({api::DELETED, std::move(item)});
  return changes;
}

bool WatchState::Apply(api::WatchEventType type, const Listed& object) {
  const std::string key = object.Key();
  if (type == api::DELETED) {
    known_.erase(key);
    return true;
  }
  auto it = known_.find(key);
  if (it != known_.end() && it->second.resource_version == object.resource_version) return false;
  known_[key] = object;
  return true;
}

absl::Status RunWatch(Invocation& inv, Connection& conn, const ResourceKind& kind,
                      absl::string_view method, const WatchCall& call) {
  WatchPrinter printer(inv.out(), kind, ListingOptionsOf(inv, kind));
  WatchState state;
  InterruptScope interrupt;
  bool printed_snapshot = false;
  absl::Duration backoff = kFirstBackoff;
  for (;;) {
    std::vector<Listed> snapshot;
    bool synced = false;
    const WatchSink sink = [&](api::WatchEventType type, Listed object) {
      if (synced) {
        if (type != api::SYNCED && state.Apply(type, object)) printer.PrintEvent(type, object);
        return;
      }
      if (type != api::SYNCED) {
        const std::string key = object.Key();
        snapshot.erase(std::remove_if(snapshot.begin(), snapshot.end(),
                                      [&key](const Listed& l) { return l.Key() == key; }),
                       snapshot.end());
        if (type != api::DELETED) snapshot.push_back(std::move(object));
        return;
      }
      synced = true;
      std::vector<WatchState::Change> changes = state.Resync(std::move(snapshot));
      if (!printed_snapshot) {
        std::vector<Listed> items;
        for (WatchState::Change& c : changes) items.push_back(std::move(c.object));
        printer.PrintSnapshot(items);
        printed_snapshot = true;
      } else {
        for (const WatchState::Change& c : changes) printer.PrintEvent(c.type, c.object);
      }
    };

    grpc::ClientContext ctx;
    conn.PrepareStream(&ctx);
    interrupt.OnInterrupt([&ctx] { ctx.TryCancel(); });
    const absl::Time start = absl::Now();
    const grpc::Status status = call(&ctx, sink);
    interrupt.OnInterrupt(nullptr);
    inv.out().flush();
    if (interrupt.interrupted()) return common::StreamInterruptedError();
    absl::Status result = conn.Finish(method, ctx, status, start);
    // Before the first snapshot the watch has shown nothing yet: report the
    // failure (connection refused, access denied, …) instead of retrying.
    if (!printed_snapshot && !result.ok()) return result;
    if (!StreamReopens(status.error_code())) return result;
    if (synced) backoff = kFirstBackoff;
    inv.Warn("watch stream interrupted; reconnecting");
    if (interrupt.SleepFor(backoff)) return common::StreamInterruptedError();
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

bool StreamReopens(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

}  // namespace rune::cli
