// Collects the header fields of one HTTP message from http-parser's
// callbacks, which may deliver a name or a value in several pieces. Shared by
// runed's HTTP server (requests) and the Docker Engine client (responses).
//
//   s.on_header_field = [](http_parser* p, const char* at, size_t n) {
//     Of(p)->reader.Field(at, n, &Of(p)->request.headers); return 0; };
//   s.on_header_value = [](http_parser* p, const char* at, size_t n) {
//     Of(p)->reader.Value(at, n); return 0; };
//   s.on_headers_complete = [](http_parser* p) {
//     Of(p)->reader.Flush(&Of(p)->request.headers); … };
#ifndef RUNE_RUNED_HTTP_HEADER_READER_H_
#define RUNE_RUNED_HTTP_HEADER_READER_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace rune::daemon::http {

// Names are stored lower-case in the map each call is given.
class HeaderReader {
 public:
  using Headers = std::map<std::string, std::string>;

  void Field(const char* at, size_t n, Headers* out) {
    if (in_value_) Flush(out);
    field_.append(at, n);
  }
  void Value(const char* at, size_t n) {
    in_value_ = true;
    value_.append(at, n);
  }
  // Stores the field being read; a repeated name joins its values with ", ".
  void Flush(Headers* out) {
    if (!field_.empty()) {
      std::string& slot = (*out)[absl::AsciiStrToLower(field_)];
      slot = slot.empty() ? value_ : absl::StrCat(slot, ", ", value_);
    }
    field_.clear();
    value_.clear();
    in_value_ = false;
  }

 private:
  std::string field_;
  std::string value_;
  bool in_value_ = false;
};

}  // namespace rune::daemon::http

#endif  // RUNE_RUNED_HTTP_HEADER_READER_H_
