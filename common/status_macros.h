// Early-return helpers for absl::Status and absl::StatusOr.
//
// Our abseil (20220623) predates ABSL_RETURN_IF_ERROR, so these fill the gap:
//
//   RUNE_RETURN_IF_ERROR(WriteFile(path, data));
//   RUNE_ASSIGN_OR_RETURN(Config config, LoadConfig(path));
#ifndef RUNE_COMMON_STATUS_MACROS_H_
#define RUNE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RUNE_RETURN_IF_ERROR(expr)                        \
  do {                                                    \
    ::absl::Status rune_status_ = (expr);                 \
    if (!rune_status_.ok()) return rune_status_;          \
  } while (0)

#define RUNE_STATUS_CONCAT_INNER_(a, b) a##b
#define RUNE_STATUS_CONCAT_(a, b) RUNE_STATUS_CONCAT_INNER_(a, b)

#define RUNE_ASSIGN_OR_RETURN(lhs, expr) \
  RUNE_ASSIGN_OR_RETURN_IMPL_(RUNE_STATUS_CONCAT_(rune_statusor_, __LINE__), lhs, expr)

#define RUNE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) return statusor.status();          \
  lhs = std::move(statusor).value()

#endif  // RUNE_COMMON_STATUS_MACROS_H_
