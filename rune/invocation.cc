#include "rune/invocation.h"

namespace rune::cli {

std::string Invocation::Env(absl::string_view name) const {
  auto it = env_.find(std::string(name));
  return it == env_.end() ? "" : it->second;
}

bool Invocation::HasEnv(absl::string_view name) const {
  return env_.find(std::string(name)) != env_.end();
}

bool Invocation::verbose() const {
  if (parsed.Bool("verbose")) return true;
  if (parsed.IsSet("log-level")) return parsed.String("log-level") == "debug";
  return Env("RUNE_LOG_LEVEL") == "debug";
}

void Invocation::Warn(absl::string_view message) {
  if (json_errors_) return;
  err() << "Warning: " << message << "\n";
}

void Invocation::Debug(absl::string_view message) {
  if (json_errors_ || !verbose()) return;
  err() << message << "\n";
}

}  // namespace rune::cli
