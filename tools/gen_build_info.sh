#!/bin/sh
# Writes the C++ definitions of the build-info constants to stdout.
# usage: gen_build_info.sh VERSION [STATUS_FILE]
# Without STATUS_FILE (unstamped build): version "dev", commit and time "unknown".
set -eu
version="$1"
commit=unknown
when=unknown
if [ $# -ge 2 ]; then
  commit="$(sed -n 's/^STABLE_RUNE_COMMIT //p' "$2")"
  when="$(sed -n 's/^STABLE_RUNE_BUILD_TIME //p' "$2")"
else
  version=dev
fi
printf 'extern const char kRuneBuildVersion[] = "%s";\n' "$version"
printf 'extern const char kRuneBuildCommit[] = "%s";\n' "${commit:-unknown}"
printf 'extern const char kRuneBuildTime[] = "%s";\n' "${when:-unknown}"
