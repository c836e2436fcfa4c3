// Building blocks shared by the validators of common/spec (not a public API):
// a violation collector with the §4.9 texts and the small syntax checks.
//
//   std::vector<Violation> out;
//   internal::Checker c(&out);
//   c.Name("service.name", spec.name(), /*required=*/true);
//   c.Range("service.scale", spec.scale(), 0, 1000);
#ifndef RUNE_COMMON_SPEC_CHECKS_H_
#define RUNE_COMMON_SPEC_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/violation.h"
#include "google/protobuf/map.h"

namespace rune::common::spec::internal {

// `^[A-Za-z_][A-Za-z0-9_]*$`.
bool IsEnvName(absl::string_view s);
// Secret/configmap keys: `^[-._a-zA-Z0-9]+$`, at most 253, not "." or "..".
bool IsDataKey(absl::string_view s);
// No empty, "." or ".." segment and no trailing '/' ("/" itself is clean).
bool IsCleanPath(absl::string_view s);
// A DNS name (DNS-1123 subdomain).
bool IsHostName(absl::string_view s);
// An IPv4 or IPv6 address literal.
bool IsIpAddress(absl::string_view s);
// `<ip>/<prefix>`.
bool IsCidr(absl::string_view s);
// 1–65535 written in decimal without sign or leading zeros.
bool ParsePortNumber(absl::string_view s, int* port);

std::string RangeReason(int64_t lo, int64_t hi, int64_t v);
std::string MinReason(int64_t lo, int64_t v);
std::string EnumReason(const std::vector<std::string>& choices, absl::string_view v);

class Checker {
 public:
  explicit Checker(std::vector<Violation>* out) : out_(out) {}

  void Add(std::string path, std::string reason, std::string rule, std::string hint = "");
  void Warn(std::string path, std::string reason, std::string rule, std::string hint = "");
  void Required(std::string path) { Add(std::move(path), "required", "required"); }

  // DNS-1123 label; `required` reports an empty value.
  void Name(const std::string& path, absl::string_view value, bool required);
  // A namespace field of a service/secret/configmap: DNS-1123, not `system`.
  void Namespace(const std::string& path, absl::string_view value);
  void Labels(const std::string& path, const google::protobuf::Map<std::string, std::string>& labels);
  void Range(const std::string& path, int64_t v, int64_t lo, int64_t hi);
  void Min(const std::string& path, int64_t v, int64_t lo);

 private:
  std::vector<Violation>* out_;
};

}  // namespace rune::common::spec::internal

#endif  // RUNE_COMMON_SPEC_CHECKS_H_
