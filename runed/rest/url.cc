#include "runed/rest/url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rune::daemon {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
      if (lo < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid percent-encoding in \"", text, "\""));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> PathSegments(absl::string_view path) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("invalid path \"", path, "\""));
  }
  std::vector<std::string> out;
  if (path == "/") return out;
  for (absl::string_view raw : absl::StrSplit(path.substr(1), '/')) {
    absl::StatusOr<std::string> segment = PercentDecode(raw, false);
    if (!segment.ok()) return segment.status();
    out.push_back(*std::move(segment));
  }
  return out;
}

absl::StatusOr<QueryParams> ParseQuery(absl::string_view query) {
  QueryParams out;
  for (absl::string_view piece : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = piece.find('=');
    absl::StatusOr<std::string> name = PercentDecode(piece.substr(0, eq), true);
    if (!name.ok()) return name.status();
    std::optional<std::string> value;
    if (eq != absl::string_view::npos) {
      absl::StatusOr<std::string> decoded = PercentDecode(piece.substr(eq + 1), true);
      if (!decoded.ok()) return decoded.status();
      value = *std::move(decoded);
    }
    if (!out.emplace(*name, std::move(value)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter \"", *name, "\" is given more than once"));
    }
  }
  return out;
}

}  // namespace rune::daemon
