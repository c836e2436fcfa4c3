#include "common/duration.h"

#include <cmath>

#include "absl/strings/ascii.h"

namespace rune::common {
namespace {

absl::Status Invalid() { return absl::InvalidArgumentError("invalid duration"); }

bool UnitDuration(absl::string_view unit, absl::Duration* out) {
  if (unit == "ns") *out = absl::Nanoseconds(1);
  else if (unit == "us") *out = absl::Microseconds(1);
  else if (unit == "ms") *out = absl::Milliseconds(1);
  else if (unit == "s") *out = absl::Seconds(1);
  else if (unit == "m") *out = absl::Minutes(1);
  else if (unit == "h") *out = absl::Hours(1);
  else if (unit == "d") *out = absl::Hours(24);
  else return false;
  return true;
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  if (text == "0") return absl::ZeroDuration();
  if (text.empty()) return Invalid();
  absl::Duration total = absl::ZeroDuration();
  size_t i = 0;
  while (i < text.size()) {
    // <digits>[.<digits>]
    const size_t num_start = i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
    const size_t int_digits = i - num_start;
    size_t frac_digits = 0;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const size_t frac_start = i;
      while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
      frac_digits = i - frac_start;
      if (frac_digits == 0) return Invalid();
    }
    if (int_digits == 0) return Invalid();
    const absl::string_view number = text.substr(num_start, i - num_start);
    const size_t unit_start = i;
    while (i < text.size() && absl::ascii_isalpha(text[i])) ++i;
    absl::Duration unit;
    if (!UnitDuration(text.substr(unit_start, i - unit_start), &unit)) return Invalid();
    if (int_digits > 18) return Invalid();
    const double value = std::stod(std::string(number));
    // Overflow guard: absl saturates to infinity.
    const absl::Duration part = unit * value;
    if (part == absl::InfiniteDuration()) return Invalid();
    total += part;
    if (total == absl::InfiniteDuration() || total > absl::Hours(24 * 365 * 1000)) return Invalid();
  }
  return total;
}

std::string FormatDuration(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace rune::common
