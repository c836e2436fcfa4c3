// The context fields that `rune context set` and `rune login` take from
// their flags: --server, -n/--namespace, --token, --token-file, --tls-ca,
// --tls-cert, --tls-key, --tls-server-name.
//
//   ContextEntry entry = existing;
//   RUNE_RETURN_IF_ERROR(ApplyContextFlags(inv, &entry));
#ifndef RUNE_RUNE_CONTEXT_FLAGS_H_
#define RUNE_RUNE_CONTEXT_FLAGS_H_

#include "absl/status/status.h"
#include "rune/client_config.h"
#include "rune/invocation.h"

namespace rune::cli {

// Applies the flags given to `entry`: an empty value clears the field
// (except --server); token and token files replace each other; paths are
// stored absolute. Errors: usage (empty --server, a namespace that is not a
// DNS-1123 label, --tls-cert without --tls-key), M41 for a missing
// --token-file.
absl::Status ApplyContextFlags(const Invocation& inv, ContextEntry* entry);

}  // namespace rune::cli

#endif  // RUNE_RUNE_CONTEXT_FLAGS_H_
