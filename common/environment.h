// The process environment as a map, for code that takes its environment as a
// parameter (so tests can pass their own).
//
//   std::map<std::string, std::string> env = ProcessEnvironment();
#ifndef RUNE_COMMON_ENVIRONMENT_H_
#define RUNE_COMMON_ENVIRONMENT_H_

#include <map>
#include <string>

namespace rune::common {

std::map<std::string, std::string> ProcessEnvironment();

}  // namespace rune::common

#endif  // RUNE_COMMON_ENVIRONMENT_H_
