#include "runed/secrets/object_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/spec/validate.h"
#include "common/status_macros.h"
#include "openssl/crypto.h"
#include "proto/types.pb.h"
#include "runed/api/namespace_service.h"
#include "runed/secrets/envelope.h"
#include "runed/secrets/records.pb.h"

namespace rune::daemon::secrets {
namespace {

template <typename Map>
std::vector<std::string> SortedKeys(const Map& data) {
  std::vector<std::string> keys;
  for (const auto& entry : data) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  return keys;
}

template <typename Map>
std::map<std::string, std::string> ToMap(const Map& m) {
  return {m.begin(), m.end()};
}

// Secrets: SecretRecord with the values in an envelope bound to
// "<ns>|<name>|<version>".
class SecretCodec final : public ObjectCodec {
 public:
  explicit SecretCodec(std::string kek) : kek_(std::move(kek)) {}
  ~SecretCodec() override { OPENSSL_cleanse(kek_.data(), kek_.size()); }

  absl::StatusOr<std::string> Encode(const DataObject& object) const override {
    SecretRecord record;
    api::SecretInfo* info = record.mutable_info();
    info->set_name(object.name);
    info->set_namespace_(object.ns);
    info->mutable_labels()->insert(object.labels.begin(), object.labels.end());
    info->set_type(object.type);
    for (const std::string& key : object.keys) info->add_keys(key);
    *info->mutable_metadata() = object.metadata;
    info->mutable_metadata()->clear_resource_version();
    SecretData data;
    data.mutable_data()->insert(object.data.begin(), object.data.end());
    std::string plaintext = data.SerializeAsString();
    absl::StatusOr<Envelope> sealed = SealEnvelope(kek_, plaintext, Aad(object));
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    RUNE_RETURN_IF_ERROR(sealed.status());
    record.set_wrapped_dek(std::move(sealed->wrapped_dek));
    record.set_ciphertext(std::move(sealed->ciphertext));
    return record.SerializeAsString();
  }

  absl::StatusOr<DataObject> Decode(const store::Record& r, bool with_values) const override {
    SecretRecord record;
    if (!record.ParseFromString(r.value)) {
      return absl::DataLossError(absl::StrCat("corrupt secret record \"", r.ns, "/", r.name, "\""));
    }
    const api::SecretInfo& info = record.info();
    DataObject object;
    object.ns = r.ns;
    object.name = r.name;
    object.type = info.type();
    object.labels = ToMap(info.labels());
    object.keys.assign(info.keys().begin(), info.keys().end());
    object.metadata = info.metadata();
    object.metadata.set_resource_version(r.resource_version);
    if (!with_values) return object;
    absl::StatusOr<std::string> plaintext =
        OpenEnvelope(kek_, Envelope{record.wrapped_dek(), record.ciphertext()}, Aad(object));
    SecretData data;
    const bool parsed = plaintext.ok() && data.ParseFromString(*plaintext);
    if (plaintext.ok()) OPENSSL_cleanse(plaintext->data(), plaintext->size());
    if (!parsed) {
      return absl::DataLossError(absl::StrCat(
          "cannot decrypt secret \"", r.ns, "/", r.name, "\" (version ", object.metadata.version(),
          "): ", plaintext.ok() ? "corrupt payload" : plaintext.status().message()));
    }
    object.data = ToMap(data.data());
    return object;
  }

 private:
  static std::string Aad(const DataObject& object) {
    return absl::StrCat(object.ns, "|", object.name, "|", object.metadata.version());
  }

  std::string kek_;
};

// Configmaps: the api::Configmap message itself.
class ConfigmapCodec final : public ObjectCodec {
 public:
  absl::StatusOr<std::string> Encode(const DataObject& object) const override {
    api::Configmap configmap;
    configmap.set_name(object.name);
    configmap.set_namespace_(object.ns);
    configmap.mutable_labels()->insert(object.labels.begin(), object.labels.end());
    configmap.mutable_data()->insert(object.data.begin(), object.data.end());
    *configmap.mutable_metadata() = object.metadata;
    configmap.mutable_metadata()->clear_resource_version();
    return configmap.SerializeAsString();
  }

  absl::StatusOr<DataObject> Decode(const store::Record& r, bool) const override {
    api::Configmap configmap;
    if (!configmap.ParseFromString(r.value)) {
      return absl::DataLossError(
          absl::StrCat("corrupt configmap record \"", r.ns, "/", r.name, "\""));
    }
    DataObject object;
    object.ns = r.ns;
    object.name = r.name;
    object.labels = ToMap(configmap.labels());
    object.data = ToMap(configmap.data());
    object.keys = SortedKeys(object.data);
    object.metadata = configmap.metadata();
    object.metadata.set_resource_version(r.resource_version);
    return object;
  }
};

}  // namespace

std::string EffectiveNamespace(absl::string_view ns) {
  return ns.empty() ? "default" : std::string(ns);
}

ObjectStore::ObjectStore(store::Store* store, std::string kind, const char* store_kind,
                         api::Dependency::Kind ref_kind, std::unique_ptr<ObjectCodec> codec)
    : store_(store),
      kind_(std::move(kind)),
      store_kind_(store_kind),
      ref_kind_(ref_kind),
      codec_(std::move(codec)) {}

absl::Status ObjectStore::NotFound(absl::string_view ns, absl::string_view name) const {
  return common::WithHint(
      absl::NotFoundError(
          absl::StrCat(kind_, " \"", name, "\" not found in namespace \"", ns, "\"")),
      absl::StrCat("run 'rune get ", kind_, "s -n ", ns, "' to list ", kind_, "s"));
}

absl::StatusOr<WriteResult> ObjectStore::Write(const DataObject& input, WriteMode mode) {
  WriteResult result;
  DataObject& object = result.object;
  object.ns = EffectiveNamespace(input.ns);
  object.name = input.name;
  object.type = input.type;
  object.labels = input.labels;
  object.data = input.data;
  object.keys = SortedKeys(object.data);
  // Read, compare and encrypt outside the write transaction; the put below
  // only succeeds if nobody changed the object in between (M26).
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        store_->Get(store_kind_, object.ns, object.name));
  std::optional<DataObject> old;
  if (record.has_value()) {
    if (mode == WriteMode::kCreate) {
      return common::WithHint(absl::AlreadyExistsError(absl::StrCat(
                                  kind_, " \"", object.ns, "/", object.name, "\" already exists")),
                              "pass --replace to overwrite it");
    }
    RUNE_ASSIGN_OR_RETURN(old, codec_->Decode(*record, /*with_values=*/true));
    if (old->type == object.type && old->labels == object.labels && old->data == object.data) {
      object.metadata = old->metadata;
      result.action = api::UNCHANGED;
      return result;
    }
  }
  const absl::Time now = absl::Now();
  api::ObjectMeta& meta = object.metadata;
  meta.set_version(old.has_value() ? old->metadata.version() + 1 : 1);
  if (old.has_value()) {
    *meta.mutable_created_at() = old->metadata.created_at();
  } else {
    common::ToTimestamp(now, meta.mutable_created_at());
  }
  common::ToTimestamp(now, meta.mutable_updated_at());
  meta.mutable_labels()->insert(object.labels.begin(), object.labels.end());
  RUNE_ASSIGN_OR_RETURN(const std::string value, codec_->Encode(object));
  const uint64_t expected = record.has_value() ? record->resource_version : 0;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> ns,
                          txn.Get(store::kNamespace, store::kSystemNamespace, object.ns));
    if (!ns.has_value()) return NamespaceNotFound(object.ns);
    RUNE_ASSIGN_OR_RETURN(const uint64_t version,
                          txn.Put(store_kind_, object.ns, object.name, value, expected));
    meta.set_resource_version(version);
    return absl::OkStatus();
  }));
  result.action = old.has_value() ? api::UPDATED : api::CREATED;
  return result;
}

absl::StatusOr<DataObject> ObjectStore::Get(absl::string_view ns, absl::string_view name) {
  const std::string effective = EffectiveNamespace(ns);
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        store_->Get(store_kind_, effective, name));
  if (!record.has_value()) return NotFound(effective, name);
  return codec_->Decode(*record, /*with_values=*/false);
}

absl::StatusOr<std::vector<DataObject>> ObjectStore::List(absl::string_view ns,
                                                          const common::Selector& selector) {
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> records,
                        store_->List(store_kind_, ns == "*" ? "" : EffectiveNamespace(ns)));
  std::vector<DataObject> out;
  for (const store::Record& r : records) {
    RUNE_ASSIGN_OR_RETURN(DataObject object, codec_->Decode(r, /*with_values=*/false));
    if (common::Matches(selector, object.labels)) out.push_back(std::move(object));
  }
  return out;
}

absl::StatusOr<std::string> ObjectStore::Blockers(store::WriteTxn& txn, const std::string& ns,
                                                  absl::string_view name) const {
  RUNE_ASSIGN_OR_RETURN(std::vector<store::Record> services, txn.List(store::kService, ns));
  std::vector<std::string> users;
  for (const store::Record& r : services) {
    api::Service service;
    if (!service.ParseFromString(r.value)) {
      return absl::DataLossError(
          absl::StrCat("corrupt service record \"", r.ns, "/", r.name, "\""));
    }
    for (const common::spec::ObjectRef& ref : common::spec::ReferencedObjects(service.spec())) {
      if (ref.kind == ref_kind_ && ref.name == name && !ref.optional) {
        users.push_back(absl::StrCat(r.ns, "/", r.name));
        break;
      }
    }
  }
  if (users.empty()) return std::string();
  std::sort(users.begin(), users.end());
  return absl::StrCat(kind_, " \"", ns, "/", name,
                      "\" is referenced by services: ", absl::StrJoin(users, ", "));
}

absl::StatusOr<std::vector<std::string>> ObjectStore::Delete(absl::string_view ns,
                                                             absl::string_view name, bool force,
                                                             bool dry_run) {
  const std::string effective = EffectiveNamespace(ns);
  std::vector<std::string> blocked_by;
  RUNE_RETURN_IF_ERROR(store_->Update([&](store::WriteTxn& txn) -> absl::Status {
    RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                          txn.Get(store_kind_, effective, name));
    if (!record.has_value()) return NotFound(effective, name);
    std::string blocker;
    if (!force) {
      RUNE_ASSIGN_OR_RETURN(blocker, Blockers(txn, effective, name));
    }
    if (dry_run) {
      if (!blocker.empty()) blocked_by.push_back(blocker);
      return absl::OkStatus();
    }
    if (!blocker.empty()) {
      return common::WithHint(absl::FailedPreconditionError(blocker),
                              "re-run with --force to delete it anyway");
    }
    return txn.Delete(store_kind_, effective, name, record->resource_version).status();
  }));
  return blocked_by;
}

absl::StatusOr<std::map<std::string, std::string>> ObjectStore::ReadData(absl::string_view ns,
                                                                         absl::string_view name) {
  const std::string effective = EffectiveNamespace(ns);
  RUNE_ASSIGN_OR_RETURN(std::optional<store::Record> record,
                        store_->Get(store_kind_, effective, name));
  if (!record.has_value()) return NotFound(effective, name);
  RUNE_ASSIGN_OR_RETURN(DataObject object, codec_->Decode(*record, /*with_values=*/true));
  return std::move(object.data);
}

std::unique_ptr<ObjectStore> NewSecretStore(store::Store* store, std::string kek) {
  return std::make_unique<ObjectStore>(store, "secret", store::kSecret, api::Dependency::SECRET,
                                       std::make_unique<SecretCodec>(std::move(kek)));
}

DataReader DataReaderOf(ObjectStore* objects) {
  return [objects](absl::string_view ns, absl::string_view name)
             -> absl::StatusOr<std::optional<std::map<std::string, std::string>>> {
    absl::StatusOr<std::map<std::string, std::string>> data = objects->ReadData(ns, name);
    if (absl::IsNotFound(data.status())) return std::optional<std::map<std::string, std::string>>();
    if (!data.ok()) return data.status();
    return std::optional<std::map<std::string, std::string>>(std::move(*data));
  };
}

std::unique_ptr<ObjectStore> NewConfigmapStore(store::Store* store) {
  return std::make_unique<ObjectStore>(store, "configmap", store::kConfigmap,
                                       api::Dependency::CONFIGMAP,
                                       std::make_unique<ConfigmapCodec>());
}

}  // namespace rune::daemon::secrets
