// The error contract of SPEC §2.4 and §2.6 as data, and the rule deciding
// whether a golden case pins an entry of it. A case pins an entry when its
// expected exit code, its expected stderr (message, hint, request ID, JSON
// code) and, for some entries, its expected stdout say so; what the case
// is called plays no part.
//
//   for (const MessageEntry& m : CanonicalMessages()) {
//     bool pinned = std::any_of(cases.begin(), cases.end(),
//                               [&](const GoldenCase& c) { return Pins(m, c); });
//   }
//   std::vector<std::string> missing = Uncovered(cases);   // "M22: …", "§2.4 DataLoss: …"
#ifndef RUNE_TESTING_CONTRACT_ERROR_CATALOGUE_H_
#define RUNE_TESTING_CONTRACT_ERROR_CATALOGUE_H_

#include <string>
#include <vector>

#include "testing/contract/golden_case.h"

namespace rune::contract {

enum class RequestId { kRequired, kAbsent, kAny };

// One message form of §2.6 (an ID whose table cell offers several forms or
// hints has one entry per form).
struct MessageEntry {
  std::string id;       // "M14"
  std::string variant;  // "deletion operation"; "" for an ID with one form
  std::string code;     // the JSON "code"
  int exit = 0;
  // RE2, matched against the whole message. Named groups (?P<ns>…) can be
  // used by `hint`.
  std::string message;
  // The hint: "" means no Hint line at all; otherwise literal text in which
  // "{group}" stands for the message's named group and "{*}" for any text.
  std::string hint;
  RequestId request_id = RequestId::kAny;
  // The text is runed's: only a case against a real runed pins it (a fake
  // runed only shows that the client prints what it is told).
  bool real_server = false;
  // RE2 the message must not match (separates M07 from M08).
  std::string not_message;
  // RE2 that must match somewhere in stdout (M47: findings on stdout).
  std::string stdout_pattern;
};

// One row of §2.4: a status code received from runed.
struct StatusRow {
  std::string code;
  int exit = 0;
  // The default hint; "" for none; "{*}" for a row without a default whose
  // hints are message-specific.
  std::string hint;
  // True when exit code and hint tell this row apart from every other, so a
  // human-form case pins it; otherwise only a JSON-form case (which shows the
  // code) does.
  bool human_form_pins = false;
};

const std::vector<MessageEntry>& CanonicalMessages();
const std::vector<StatusRow>& StatusRows();

// "M14 (deletion operation)" or "M02".
std::string Label(const MessageEntry& entry);

// True when `c` pins `entry` / `row`.
bool Pins(const MessageEntry& entry, const GoldenCase& c);
bool Pins(const StatusRow& row, const GoldenCase& c);

// One line per entry and row that no case pins: "M22: <message pattern>".
std::vector<std::string> Uncovered(const std::vector<GoldenCase>& cases);

}  // namespace rune::contract

#endif  // RUNE_TESTING_CONTRACT_ERROR_CATALOGUE_H_
