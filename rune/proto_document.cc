#include "rune/proto_document.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace rune::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// 0, 3, 6 or 9 fractional digits, as protobuf's JSON printer writes them.
std::string Fraction(int32_t nanos) {
  if (nanos == 0) return "";
  if (nanos % 1000000 == 0) return absl::StrFormat(".%03d", nanos / 1000000);
  if (nanos % 1000 == 0) return absl::StrFormat(".%06d", nanos / 1000);
  return absl::StrFormat(".%09d", nanos);
}

std::string TimestampString(const Message& m) {
  const Reflection* r = m.GetReflection();
  const int64_t seconds = r->GetInt64(m, m.GetDescriptor()->FindFieldByName("seconds"));
  const int32_t nanos = r->GetInt32(m, m.GetDescriptor()->FindFieldByName("nanos"));
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(seconds), absl::UTCTimeZone()),
      Fraction(nanos), "Z");
}

std::string DurationString(const Message& m) {
  const Reflection* r = m.GetReflection();
  int64_t seconds = r->GetInt64(m, m.GetDescriptor()->FindFieldByName("seconds"));
  int32_t nanos = r->GetInt32(m, m.GetDescriptor()->FindFieldByName("nanos"));
  const bool negative = seconds < 0 || nanos < 0;
  if (negative) {
    seconds = -seconds;
    nanos = -nanos;
  }
  return absl::StrCat(negative ? "-" : "", seconds, Fraction(nanos), "s");
}

common::Value Number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return common::Value::Double(d);
}

common::Value MessageValue(const Message& m);

// One value of `field` (element `index` of a repeated field, or -1).
common::Value FieldValue(const Message& m, const FieldDescriptor* field, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return static_cast<int64_t>(rep ? r->GetRepeatedInt32(m, field, index) : r->GetInt32(m, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return static_cast<int64_t>(rep ? r->GetRepeatedUInt32(m, field, index)
                                      : r->GetUInt32(m, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, field, index) : r->GetInt64(m, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, field, index) : r->GetUInt64(m, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Number(rep ? r->GetRepeatedDouble(m, field, index) : r->GetDouble(m, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Number(rep ? r->GetRepeatedFloat(m, field, index) : r->GetFloat(m, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(m, field, index) : r->GetBool(m, field);
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r->GetRepeatedEnumValue(m, field, index) : r->GetEnumValue(m, field);
      const google::protobuf::EnumValueDescriptor* value =
          field->enum_type()->FindValueByNumber(number);
      if (value == nullptr) return static_cast<int64_t>(number);
      return value->name();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, field, index) : r->GetString(m, field);
      if (field->type() == FieldDescriptor::TYPE_BYTES) return absl::Base64Escape(s);
      return s;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValue(rep ? r->GetRepeatedMessage(m, field, index) : r->GetMessage(m, field));
  }
  return common::Value::Null();
}

// A map field as an object; keys sorted.
common::Value MapValue(const Message& m, const FieldDescriptor* field) {
  const Reflection* r = m.GetReflection();
  const FieldDescriptor* key = field->message_type()->map_key();
  const FieldDescriptor* value = field->message_type()->map_value();
  std::vector<std::pair<std::string, common::Value>> entries;
  for (int i = 0; i < r->FieldSize(m, field); ++i) {
    const Message& entry = r->GetRepeatedMessage(m, field, i);
    common::Value k = FieldValue(entry, key, -1);
    std::string name = k.kind() == common::Value::Kind::kString
                           ? k.string()
                           : k.kind() == common::Value::Kind::kBool
                                 ? (k.boolean() ? "true" : "false")
                                 : absl::StrCat(k.integer());
    entries.emplace_back(std::move(name), FieldValue(entry, value, -1));
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  common::Value out = common::Value::Object();
  for (auto& [k, v] : entries) out.Set(std::move(k), std::move(v));
  return out;
}

common::Value MessageValue(const Message& m) {
  const std::string& type = m.GetDescriptor()->full_name();
  if (type == "google.protobuf.Timestamp") return TimestampString(m);
  if (type == "google.protobuf.Duration") return DurationString(m);
  const Reflection* r = m.GetReflection();
  common::Value out = common::Value::Object();
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i));
  std::sort(fields.begin(), fields.end(),
            [](const FieldDescriptor* a, const FieldDescriptor* b) { return a->number() < b->number(); });
  for (const FieldDescriptor* field : fields) {
    if (field->is_map()) {
      if (r->FieldSize(m, field) > 0) out.Set(field->json_name(), MapValue(m, field));
    } else if (field->is_repeated()) {
      if (r->FieldSize(m, field) == 0) continue;
      common::Value list = common::Value::Array();
      for (int i = 0; i < r->FieldSize(m, field); ++i) list.Push(FieldValue(m, field, i));
      out.Set(field->json_name(), std::move(list));
    } else if (r->HasField(m, field)) {
      // proto3: HasField is false for implicit-presence fields at their
      // default, which the JSON mapping leaves out.
      out.Set(field->json_name(), FieldValue(m, field, -1));
    }
  }
  return out;
}

}  // namespace

common::Value ProtoDocument(const google::protobuf::Message& message) {
  return MessageValue(message);
}

}  // namespace rune::cli
