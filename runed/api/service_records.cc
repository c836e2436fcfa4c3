#include "runed/api/service_records.h"

#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace rune::daemon {
namespace {

template <typename Message>
absl::StatusOr<Message> Decode(const store::Record& record, absl::string_view what) {
  Message message;
  if (!message.ParseFromString(record.value)) {
    return absl::DataLossError(
        absl::StrCat("corrupt ", what, " record \"", record.ns, "/", record.name, "\""));
  }
  return message;
}

}  // namespace

Reader Reader::Of(store::Store* store) {
  Reader r;
  r.get_ = [store](absl::string_view kind, absl::string_view ns, absl::string_view name) {
    return store->Get(kind, ns, name);
  };
  r.list_ = [store](absl::string_view kind, absl::string_view ns, absl::string_view prefix) {
    return store->List(kind, ns, prefix);
  };
  return r;
}

Reader Reader::Of(store::WriteTxn& txn) {
  Reader r;
  store::WriteTxn* t = &txn;
  r.get_ = [t](absl::string_view kind, absl::string_view ns, absl::string_view name) {
    return t->Get(kind, ns, name);
  };
  r.list_ = [t](absl::string_view kind, absl::string_view ns, absl::string_view prefix) {
    return t->List(kind, ns, prefix);
  };
  return r;
}

std::string ListNamespace(absl::string_view ns) {
  return ns == "*" ? std::string() : EffectiveNamespace(ns);
}

absl::StatusOr<common::Selector> RequestSelector(absl::string_view text) {
  absl::StatusOr<common::Selector> selector = common::ParseSelector(text);
  if (!selector.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid label selector: ", selector.status().message()));
  }
  return selector;
}

std::string EffectiveNamespace(absl::string_view ns) {
  return ns.empty() ? "default" : std::string(ns);
}

std::string ServiceKey(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(ns, "/", name);
}

std::string HistoryName(absl::string_view service, int64_t generation) {
  return absl::StrFormat("%s/%010d", service, generation);
}

std::string HistoryPrefix(absl::string_view service) { return absl::StrCat(service, "/"); }

absl::StatusOr<api::Service> ParseService(const store::Record& record) {
  RUNE_ASSIGN_OR_RETURN(api::Service service, Decode<api::Service>(record, "service"));
  service.mutable_metadata()->set_resource_version(record.resource_version);
  return service;
}

absl::StatusOr<api::ServiceHistoryEntry> ParseHistory(const store::Record& record) {
  return Decode<api::ServiceHistoryEntry>(record, "service history");
}

absl::StatusOr<api::DeletionOperation> ParseDeletionOp(const store::Record& record) {
  return Decode<api::DeletionOperation>(record, "deletion operation");
}

absl::StatusOr<api::Instance> ParseInstance(const store::Record& record) {
  RUNE_ASSIGN_OR_RETURN(api::Instance instance, Decode<api::Instance>(record, "instance"));
  instance.set_resource_version(record.resource_version);
  return instance;
}

absl::StatusOr<std::optional<api::Service>> FindService(const Reader& reader, absl::string_view ns,
                                                        absl::string_view name) {
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        reader.Get(store::kService, ns, name));
  if (!record.has_value()) return std::optional<api::Service>();
  RUNE_ASSIGN_OR_RETURN(api::Service service, ParseService(*record));
  return std::optional<api::Service>(std::move(service));
}

absl::StatusOr<api::Service> GetExistingService(const Reader& reader, absl::string_view ns,
                                                absl::string_view name) {
  RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> service, FindService(reader, ns, name));
  if (!service.has_value()) return ServiceNotFound(ns, name);
  return *std::move(service);
}

absl::StatusOr<std::vector<api::Service>> ListServices(const Reader& reader,
                                                       absl::string_view ns) {
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records, reader.List(store::kService, ns));
  std::vector<api::Service> out;
  out.reserve(records.size());
  for (const store::Record& r : records) {
    RUNE_ASSIGN_OR_RETURN(api::Service service, ParseService(r));
    out.push_back(std::move(service));
  }
  return out;
}

absl::StatusOr<std::vector<api::Instance>> InstancesOf(const Reader& reader, absl::string_view ns,
                                                       absl::string_view name) {
  // Instance IDs start with the service name, but `api-instance-…` could also
  // belong to a service called `api-instance-x`: the record decides.
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records,
                        reader.List(store::kInstance, ns, absl::StrCat(name, "-")));
  std::vector<api::Instance> out;
  for (const store::Record& r : records) {
    RUNE_ASSIGN_OR_RETURN(api::Instance instance, ParseInstance(r));
    if (instance.service() == name) out.push_back(std::move(instance));
  }
  return out;
}

absl::StatusOr<std::optional<api::Instance>> FindInstance(const Reader& reader,
                                                          absl::string_view ns,
                                                          absl::string_view id_or_name) {
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        reader.Get(store::kInstance, ns, id_or_name));
  if (record.has_value()) {
    RUNE_ASSIGN_OR_RETURN(api::Instance instance, ParseInstance(*record));
    return std::optional<api::Instance>(std::move(instance));
  }
  // A name is `<service>-<ordinal>`.
  const size_t dash = id_or_name.rfind('-');
  if (dash == absl::string_view::npos || dash == 0 || dash + 1 == id_or_name.size()) {
    return std::optional<api::Instance>();
  }
  for (char c : id_or_name.substr(dash + 1)) {
    if (c < '0' || c > '9') return std::optional<api::Instance>();
  }
  RUNE_ASSIGN_OR_RETURN(std::vector<api::Instance> instances,
                        InstancesOf(reader, ns, id_or_name.substr(0, dash)));
  std::optional<api::Instance> best;
  const auto key = [](const api::Instance& i) {
    return std::make_tuple(i.generation(), i.created_at().seconds(), i.created_at().nanos(),
                           i.id());
  };
  for (api::Instance& instance : instances) {
    if (instance.name() != id_or_name) continue;
    if (!best.has_value() || key(instance) > key(*best)) best = std::move(instance);
  }
  return best;
}

absl::Status ServiceNotFound(absl::string_view ns, absl::string_view name) {
  return common::WithHint(
      absl::NotFoundError(
          absl::StrCat("service \"", name, "\" not found in namespace \"", ns, "\"")),
      absl::StrCat("run 'rune get services -n ", ns, "' to list services"));
}

absl::Status InstanceNotFound(absl::string_view ns, absl::string_view id_or_name) {
  return common::WithHint(
      absl::NotFoundError(
          absl::StrCat("instance \"", id_or_name, "\" not found in namespace \"", ns, "\"")),
      absl::StrCat("run 'rune get instances -n ", ns, "' to list instances"));
}

absl::Status DeletionOperationNotFound(absl::string_view ns, absl::string_view id) {
  return common::WithHint(
      absl::NotFoundError(
          absl::StrCat("deletion operation \"", id, "\" not found in namespace \"", ns, "\"")),
      absl::StrCat("run 'rune delete list -n ", ns, "'"));
}

}  // namespace rune::daemon
