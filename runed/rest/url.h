// The parts of a request target the REST gateway reads (SPEC §5.4): path
// segments and query parameters, percent-decoded (RFC 3986; in the query `+`
// also stands for a space, as HTML forms send it).
//
//   absl::StatusOr<std::vector<std::string>> segments = PathSegments("/v1/namespaces/a%2Fb");
//   // {"v1", "namespaces", "a/b"}
//   absl::StatusOr<QueryParams> query = ParseQuery("tail=10&follow");
//   // {"tail": "10", "follow": nullopt}
#ifndef RUNE_RUNED_REST_URL_H_
#define RUNE_RUNED_REST_URL_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rune::daemon {

// Parameter name → value; nullopt for a name given without `=`.
using QueryParams = std::map<std::string, std::optional<std::string>>;

// Decodes %XX escapes (and `+` as a space when `plus_is_space`).
// InvalidArgument for a `%` not followed by two hex digits.
absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

// The decoded segments of an absolute path; "/" gives none, an empty segment
// ("//", a trailing "/") stays an empty string. InvalidArgument for a bad
// escape or a path that does not start with "/".
absl::StatusOr<std::vector<std::string>> PathSegments(absl::string_view path);

// The decoded parameters of a query string (without the `?`); empty pieces
// ("a=1&&b=2") are skipped. InvalidArgument for a bad escape or a parameter
// given twice.
absl::StatusOr<QueryParams> ParseQuery(absl::string_view query);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_REST_URL_H_
