// The runefile schema (SPEC §5.2): one table of every key with its type,
// limits, default and meaning. The decoder (runefile.cc) reads values through
// it and runefile(5) is rendered from it, so a key added here is both accepted
// and documented.
//
//   for (const RunefileKey& key : RunefileKeys()) {
//     if (key.type == RunefileType::kSection) continue;
//     std::cout << key.path << " (" << RunefileTypeName(key) << ", default "
//               << RunefileDefault(key) << ")\n";
//   }
#ifndef RUNE_COMMON_RUNEFILE_SCHEMA_H_
#define RUNE_COMMON_RUNEFILE_SCHEMA_H_

#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "common/runefile/runefile.h"

namespace rune::common {

enum class RunefileType {
  kSection,     // a mapping of further keys
  kString,
  kPath,        // a string naming a file or directory
  kAddress,     // "[host]:port"
  kBool,
  kInt,         // within [min, max]
  kDuration,    // SPEC §1.5 grammar
  kEnum,        // one of choices
  kRegistries,  // the list docker.registries; its entries' keys are "docker.registries[].<key>"
};

// Where the decoder stores a value.
using RunefileField = std::variant<std::monostate, std::string*, bool*, int64_t*, absl::Duration*,
                                   std::vector<RunefileRegistry>*>;

struct RunefileKey {
  std::string path;  // "server.tls.cert_file"; registry entries: "docker.registries[].username"
  RunefileType type = RunefileType::kString;
  std::string meaning;     // what the key does (sentences)
  std::string validation;  // rules beyond the type and range; "" when none
  // The default as documented when the zero value of the field means
  // something else ("<data_dir>/kek.b64"); "" reads it from Runefile{}.
  std::string default_text;
  std::vector<std::string> choices;  // kEnum
  int64_t min = std::numeric_limits<int64_t>::min();  // kInt
  int64_t max = std::numeric_limits<int64_t>::max();
  bool allow_empty = false;  // kAddress: "" is accepted (it disables the listener)
  RunefileField (*field)(Runefile&) = nullptr;                   // keys of the file
  RunefileField (*entry_field)(RunefileRegistry&) = nullptr;     // keys of a registry entry
};

// Every key, sections included, in the order of SPEC §5.2.
const std::vector<RunefileKey>& RunefileKeys();

// The key at `path` ("server.tls", "docker.registries[].name"); nullptr when unknown.
const RunefileKey* FindRunefileKey(const std::string& path);

// "address", "integer", "one of debug, info, warn, error", …
std::string RunefileTypeName(const RunefileKey& key);

// The default as written in a runefile: ":7863", "30s", "true", "[]".
std::string RunefileDefault(const RunefileKey& key);

// The accepted values implied by the type and limits: "[host]:port",
// "between 1 and 1000"; "" for strings, paths and booleans.
std::string RunefileRange(const RunefileKey& key);

// A spelling of older documentation that runed rejects with a "did you mean" hint.
struct RunefileRename {
  enum Kind {
    kExact,     // the whole path
    kPrefix,    // paths under `from`; the rest moves under `to` with '-' → '_'
    kRegistry,  // a key of a docker.registries entry
  };
  const char* from;
  const char* to;
  Kind kind;
};

const std::vector<RunefileRename>& RunefileRenames();

// The path an old spelling moved to ("" when `path` is not an old spelling).
std::string RunefileSuggestion(const std::string& path);

// True when old spellings exist below `path`.
bool RunefileHasRenamesBelow(const std::string& path);

}  // namespace rune::common

#endif  // RUNE_COMMON_RUNEFILE_SCHEMA_H_
