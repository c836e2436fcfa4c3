// Stored service-side records (SPEC §5.7): services, their history
// generations, deletion operations and instances, read the same way from the
// store or from inside a write transaction, plus the M14 not-found statuses.
//
//   Reader reader = Reader::Of(store);            // or Reader::Of(txn)
//   RUNE_ASSIGN_OR_RETURN(std::optional<api::Service> svc,
//                         FindService(reader, "default", "api"));   // nullopt if absent
//   RUNE_ASSIGN_OR_RETURN(api::Service s, GetExistingService(reader, "default", "api"));  // M14
#ifndef RUNE_RUNED_API_SERVICE_RECORDS_H_
#define RUNE_RUNED_API_SERVICE_RECORDS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/labels.h"
#include "proto/types.pb.h"
#include "runed/store/store.h"

namespace rune::daemon {

// Read access shared by the store (each call its own snapshot) and a write
// transaction (sees the transaction's own writes).
class Reader {
 public:
  static Reader Of(store::Store* store);
  static Reader Of(store::WriteTxn& txn);

  absl::StatusOr<std::optional<store::Record>> Get(absl::string_view kind, absl::string_view ns,
                                                   absl::string_view name) const {
    return get_(kind, ns, name);
  }
  // `ns` "" = every namespace.
  absl::StatusOr<std::vector<store::Record>> List(absl::string_view kind, absl::string_view ns,
                                                  absl::string_view name_prefix = "") const {
    return list_(kind, ns, name_prefix);
  }

 private:
  std::function<absl::StatusOr<std::optional<store::Record>>(
      absl::string_view, absl::string_view, absl::string_view)>
      get_;
  std::function<absl::StatusOr<std::vector<store::Record>>(absl::string_view, absl::string_view,
                                                           absl::string_view)>
      list_;
};

// "" means `default` (SPEC §5.14).
std::string EffectiveNamespace(absl::string_view ns);

// The namespace of a List/Watch request as the store takes it: `*` = every
// namespace (""), "" = default.
std::string ListNamespace(absl::string_view ns);

// The label selector of a request; InvalidArgument `invalid label selector:
// <why>` when it does not parse.
absl::StatusOr<common::Selector> RequestSelector(absl::string_view text);

// `<ns>/<name>`, the key of a service in messages and dependency graphs.
std::string ServiceKey(absl::string_view ns, absl::string_view name);

// Name of a service_history record: `<service>/<generation %010d>`.
std::string HistoryName(absl::string_view service, int64_t generation);
// Prefix of every history record of `service`: `<service>/`.
std::string HistoryPrefix(absl::string_view service);

// Decoders of stored records; DataLoss for a corrupt value. ParseService sets
// metadata.resource_version from the record.
absl::StatusOr<api::Service> ParseService(const store::Record& record);
absl::StatusOr<api::ServiceHistoryEntry> ParseHistory(const store::Record& record);
absl::StatusOr<api::DeletionOperation> ParseDeletionOp(const store::Record& record);
absl::StatusOr<api::Instance> ParseInstance(const store::Record& record);

// The service `ns/name`, or nullopt.
absl::StatusOr<std::optional<api::Service>> FindService(const Reader& reader, absl::string_view ns,
                                                        absl::string_view name);
// The service `ns/name`; M14 (ServiceNotFound) when it does not exist.
absl::StatusOr<api::Service> GetExistingService(const Reader& reader, absl::string_view ns,
                                                absl::string_view name);
// Every service of namespace `ns` ("" = all), sorted by namespace then name.
absl::StatusOr<std::vector<api::Service>> ListServices(const Reader& reader, absl::string_view ns);
// The instance records of service `ns/name`.
absl::StatusOr<std::vector<api::Instance>> InstancesOf(const Reader& reader, absl::string_view ns,
                                                       absl::string_view name);

// The instance `id_or_name` of namespace `ns`: the record with that ID, else
// the instance with that name (`api-0`) of the newest generation (the newest
// created among equals); nullopt when neither exists.
absl::StatusOr<std::optional<api::Instance>> FindInstance(const Reader& reader,
                                                          absl::string_view ns,
                                                          absl::string_view id_or_name);

// M14: `<kind> "<name>" not found in namespace "<ns>"` (NotFound) with the
// listing hint of its kind.
absl::Status ServiceNotFound(absl::string_view ns, absl::string_view name);
absl::Status InstanceNotFound(absl::string_view ns, absl::string_view id_or_name);
absl::Status DeletionOperationNotFound(absl::string_view ns, absl::string_view id);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_API_SERVICE_RECORDS_H_
