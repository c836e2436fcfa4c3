#include "common/spec/quantity.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace rune::common::spec {
namespace {

absl::Status Invalid(absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat("invalid quantity \"", text, "\""));
}

// A non-negative decimal "123" or "1.25": integer part and fraction digits.
struct Decimal {
  unsigned __int128 whole = 0;
  unsigned __int128 fraction = 0;  // the digits after '.', as an integer
  int fraction_digits = 0;
};

bool ParseDecimal(absl::string_view s, Decimal* out) {
  if (s.empty()) return false;
  size_t i = 0;
  int whole_digits = 0;
  for (; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
    if (++whole_digits > 19) return false;
    out->whole = out->whole * 10 + static_cast<unsigned>(s[i] - '0');
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
      if (++out->fraction_digits > 18) return false;
      out->fraction = out->fraction * 10 + static_cast<unsigned>(s[i] - '0');
    }
    if (out->fraction_digits == 0) return false;
  }
  return i == s.size() && whole_digits + out->fraction_digits > 0;
}

unsigned __int128 Pow10(int n) {
  unsigned __int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

}  // namespace

absl::StatusOr<int64_t> ParseCpuMillis(absl::string_view text) {
  constexpr int64_t kMaxMillis = 1024 * 1000;
  if (!text.empty() && text.back() == 'm') {
    absl::string_view digits = text.substr(0, text.size() - 1);
    Decimal d;
    if (digits.find('.') != absl::string_view::npos || !ParseDecimal(digits, &d)) {
      return Invalid(text);
    }
    if (d.whole == 0 || d.whole > kMaxMillis) return Invalid(text);
    return static_cast<int64_t>(d.whole);
  }
  Decimal d;
  if (!ParseDecimal(text, &d) || d.fraction_digits > 3) return Invalid(text);
  const unsigned __int128 millis = d.whole * 1000 + d.fraction * Pow10(3 - d.fraction_digits);
  if (millis == 0 || millis > kMaxMillis) return Invalid(text);
  return static_cast<int64_t>(millis);
}

absl::StatusOr<int64_t> ParseMemoryBytes(absl::string_view text) {
  struct Unit {
    const char* suffix;
    unsigned __int128 factor;
  };
  constexpr unsigned __int128 k = 1000;
  constexpr unsigned __int128 ki = 1024;
  static const Unit kUnits[] = {
      {"Ki", ki},           {"Mi", ki * ki},          {"Gi", ki * ki * ki},
      {"Ti", ki * ki * ki * ki}, {"Pi", ki * ki * ki * ki * ki}, {"Ei", ki * ki * ki * ki * ki * ki},
      {"k", k},             {"K", k},                 {"M", k * k},
      {"G", k * k * k},     {"T", k * k * k * k},     {"P", k * k * k * k * k},
      {"E", k * k * k * k * k * k},
  };
  absl::string_view number = text;
  unsigned __int128 factor = 1;
  for (const Unit& u : kUnits) {
    const absl::string_view suffix(u.suffix);
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      number = text.substr(0, text.size() - suffix.size());
      factor = u.factor;
      break;
    }
  }
  Decimal d;
  if (!ParseDecimal(number, &d)) return Invalid(text);
  const unsigned __int128 bytes = d.whole * factor + d.fraction * factor / Pow10(d.fraction_digits);
  if (bytes == 0 || bytes > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) {
    return Invalid(text);
  }
  return static_cast<int64_t>(bytes);
}

}  // namespace rune::common::spec
