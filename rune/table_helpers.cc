#include "rune/table_helpers.h"

namespace rune::cli {

using common::cli::BoolFlag;
using common::cli::Completion;
using common::cli::DurationFlag;
using common::cli::EnumFlag;
using common::cli::Flag;

Flag OutputFlag(std::vector<std::string> formats, std::string default_format) {
  return EnumFlag("output", 'o', "output format", std::move(formats), std::move(default_format));
}

std::vector<Flag> WaitFlags(const std::string& timeout_default) {
  return {
      BoolFlag("wait", 0, "wait until the operation has completed", /*default_true=*/true),
      BoolFlag("no-wait", 0, "return as soon as runed has accepted the request"),
      DurationFlag("timeout", 0, "how long to wait", timeout_default),
  };
}

common::cli::Exclusive WaitExclusive() { return {"wait", "no-wait"}; }

Flag AllNamespacesFlag() {
  return BoolFlag("all-namespaces", 'A',
                  "across all namespaces (needs an RBAC rule for namespace \"*\")");
}

common::cli::Positional ServiceArg() {
  common::cli::Positional p;
  p.name = "service";
  p.completion = Completion::kServices;
  return p;
}

}  // namespace rune::cli
