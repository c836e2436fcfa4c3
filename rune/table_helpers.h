// Flag groups that many rune commands share, so each is declared once.
#ifndef RUNE_RUNE_TABLE_HELPERS_H_
#define RUNE_RUNE_TABLE_HELPERS_H_

#include <string>
#include <vector>

#include "common/cli/command.h"

namespace rune::cli {

// -o, --output with the given formats.
common::cli::Flag OutputFlag(std::vector<std::string> formats, std::string default_format);

// --wait / --no-wait (exclusive) and --timeout with the given default.
std::vector<common::cli::Flag> WaitFlags(const std::string& timeout_default);
common::cli::Exclusive WaitExclusive();

// -A, --all-namespaces.
common::cli::Flag AllNamespacesFlag();

// A positional naming a service.
common::cli::Positional ServiceArg();

}  // namespace rune::cli

#endif  // RUNE_RUNE_TABLE_HELPERS_H_
