// Secrets and configmaps in the store (SPEC §4.6, §5.7, §5.13): one write
// path, lookups, listing and the reference-guarded delete shared by both
// kinds, with a per-kind codec for the record format. Secret values are
// sealed with envelope encryption; configmaps are stored as they are.
//
//   std::unique_ptr<ObjectStore> secrets = NewSecretStore(store, kek.key);
//   DataObject db{"default", "db"};
//   db.data = {{"password", "s3cret"}};
//   RUNE_ASSIGN_OR_RETURN(WriteResult r, secrets->Write(db, WriteMode::kApply));
//   // r.action == api::CREATED, r.object.metadata.version() == 1,
//   // r.object.keys == {"password"}
//   RUNE_ASSIGN_OR_RETURN(auto values, secrets->ReadData("default", "db"));
//
// Objects are keyed `<kind>/<ns>/<name>`; namespace "" means `default`.
#ifndef RUNE_RUNED_SECRETS_OBJECT_STORE_H_
#define RUNE_RUNED_SECRETS_OBJECT_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/labels.h"
#include "proto/types.pb.h"
#include "runed/store/store.h"

namespace rune::daemon::secrets {

// One secret or configmap, independent of its API message.
struct DataObject {
  std::string ns;
  std::string name;
  std::string type;  // secrets: "static"; configmaps: ""
  std::map<std::string, std::string> labels;
  // Key → value. Writes take it (and return it as written); Get and List
  // fill it for configmaps only: secret values leave the store through
  // ReadData alone.
  std::map<std::string, std::string> data;
  // Sorted key names (set by every read and write).
  std::vector<std::string> keys;
  // version, created_at, updated_at, labels, resource_version.
  api::ObjectMeta metadata;
};

enum class WriteMode {
  kApply,    // create or update
  kCreate,   // AlreadyExists when the object exists
  kReplace,  // create or overwrite (the same as apply)
};

struct WriteResult {
  DataObject object;
  api::ApplyAction action = api::APPLY_ACTION_UNSPECIFIED;
};

// How one kind's objects are laid out in store values.
class ObjectCodec {
 public:
  virtual ~ObjectCodec() = default;
  // The record value of `object` (metadata complete).
  virtual absl::StatusOr<std::string> Encode(const DataObject& object) const = 0;
  // The object of a record; values only when `with_values`. DataLoss for a
  // corrupt or undecryptable record.
  virtual absl::StatusOr<DataObject> Decode(const store::Record& record,
                                            bool with_values) const = 0;
};

class ObjectStore {
 public:
  // `kind` is the user-facing word ("secret"), `store_kind` the store kind,
  // `ref_kind` how services refer to it.
  ObjectStore(store::Store* store, std::string kind, const char* store_kind,
              api::Dependency::Kind ref_kind, std::unique_ptr<ObjectCodec> codec);

  // Creates or updates an object that already passed validation. The version
  // starts at 1 and grows by one when data, labels or type change; an
  // identical object is UNCHANGED and keeps its version. Errors:
  // AlreadyExists M18 (kCreate on an existing object), NotFound M15 (no such
  // namespace), Aborted M26 (another writer changed the object meanwhile),
  // DataLoss (the stored secret cannot be decrypted).
  absl::StatusOr<WriteResult> Write(const DataObject& input, WriteMode mode);

  // One object without secret values; NotFound M14.
  absl::StatusOr<DataObject> Get(absl::string_view ns, absl::string_view name);

  // The objects of namespace `ns` (`*` = every namespace) whose labels match
  // `selector`, sorted by namespace and name.
  absl::StatusOr<std::vector<DataObject>> List(absl::string_view ns,
                                               const common::Selector& selector);

  // Deletes an object unless non-optional references of services in its
  // namespace block it (FailedPrecondition M11; `force` skips the check).
  // `dry_run` changes nothing and returns what would block the deletion
  // (empty: it would succeed). NotFound M14.
  absl::StatusOr<std::vector<std::string>> Delete(absl::string_view ns, absl::string_view name,
                                                  bool force, bool dry_run);

  // The values of one object, in memory, for an instance start. NotFound M14;
  // DataLoss when a secret cannot be decrypted.
  absl::StatusOr<std::map<std::string, std::string>> ReadData(absl::string_view ns,
                                                              absl::string_view name);

 private:
  absl::Status NotFound(absl::string_view ns, absl::string_view name) const;
  absl::StatusOr<std::string> Blockers(store::WriteTxn& txn, const std::string& ns,
                                       absl::string_view name) const;

  store::Store* store_;
  const std::string kind_;
  const char* store_kind_;
  const api::Dependency::Kind ref_kind_;
  std::unique_ptr<ObjectCodec> codec_;
};

// Namespace "" → "default".
std::string EffectiveNamespace(absl::string_view ns);

// ReadData as a function for instance starts and registry logins: nullopt
// when the object does not exist, other errors passed on.
using DataReader = std::function<absl::StatusOr<std::optional<std::map<std::string, std::string>>>(
    absl::string_view ns, absl::string_view name)>;
DataReader DataReaderOf(ObjectStore* objects);

// Secrets, sealed with `kek` (32 bytes).
std::unique_ptr<ObjectStore> NewSecretStore(store::Store* store, std::string kek);
// Configmaps.
std::unique_ptr<ObjectStore> NewConfigmapStore(store::Store* store);

}  // namespace rune::daemon::secrets

#endif  // RUNE_RUNED_SECRETS_OBJECT_STORE_H_
