#!/bin/bash
# Loads each checked-in completion script into a real bash, zsh and fish with
# the built rune on PATH, and checks what a completion offers.
set -euo pipefail

rune="$(realpath "$1")"
scripts="$(pwd)/completions"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/shells.XXXXXX")"
mkdir -p "$work/bin" "$work/files/sub" "$work/home"
ln -s "$rune" "$work/bin/rune"
touch "$work/files/app.yaml" "$work/files/notes.txt"
export PATH="$work/bin:/usr/bin:/bin"
export HOME="$work/home"
export RUNE_CLI_CONFIG="$work/home/config.yaml"
printf 'contexts:\n  dev:\n    server: localhost:7863\n  prod:\n    server: localhost:7864\n' >"$RUNE_CLI_CONFIG"
source "$scripts/shell_drivers.sh"

# --- bash ---------------------------------------------------------------------
out="$(bash_complete "rune ca")"
offers bash "rune ca<TAB> offers cast" '^cast$' "$out"
out="$(bash_complete "rune get se")"
offers bash "rune get se<TAB> lists secrets with a description" '^secrets +\(secrets \(metadata only\)\)$' "$out"
offers bash "rune get se<TAB> lists services" '^services ' "$out"
out="$(bash_complete "rune get services -o ")"
offers bash "enum values of -o" '^json$' "$out"
out="$(bash_complete "rune get services --output=y")"
offers bash "--output=y completes the value only" '^yaml$' "$out"
out="$(bash_complete "rune cast ")"
offers bash "cast completes YAML files" '^app.yaml$' "$out"
lacks bash "cast skips other files" 'notes.txt' "$out"
out="$(bash_complete "rune context use ")"
offers bash "context names from the config file" '^dev ' "$out"

# --- zsh ----------------------------------------------------------------------
out="$(zsh_complete "rune ca" "rune cast")"
offers zsh "rune ca<TAB> completes to cast" 'rune cast' "$out"
out="$(zsh_complete "rune cast " "sub/")"
offers zsh "cast offers YAML files" 'app.yaml' "$out"
offers zsh "cast offers directories" 'sub/' "$out"
lacks zsh "cast skips other files" 'notes.txt' "$out"

# --- fish --------------------------------------------------------------------
out="$(fish_complete "rune ca")"
offers fish "rune ca<TAB> offers cast with its description" $'^cast\tApply services' "$out"
out="$(fish_complete "rune cast ")"
offers fish "cast completes YAML files" '^app.yaml' "$out"
lacks fish "cast skips other files" 'notes.txt' "$out"

if [ "$failures" -ne 0 ]; then
  echo "$failures completion check(s) failed" >&2
  exit 1
fi
