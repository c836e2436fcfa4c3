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
failures=0

expect() {  # expect <shell> <description> <pattern> <output>
  if grep -Eq -- "$3" <<<"$4"; then
    echo "ok   $1: $2"
  else
    echo "FAIL $1: $2 — expected /$3/ in:" >&2
    printf '%s\n' "$4" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  fi
}
refute() {
  if grep -Eq -- "$3" <<<"$4"; then
    echo "FAIL $1: $2 — did not expect /$3/ in:" >&2
    printf '%s\n' "$4" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    echo "ok   $1: $2"
  fi
}

# --- bash (with bash-completion 2) ----------------------------------------
bash_complete() {  # bash_complete <line>
  (cd "$work/files" && bash --norc --noprofile -c '
    source /usr/share/bash-completion/bash_completion
    source "$1"
    read -ra COMP_WORDS <<<"$2"
    [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
    __rune_complete rune "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$scripts/rune.bash" "$1")
}
out="$(bash_complete "rune ca")"
expect bash "rune ca<TAB> offers cast" '^cast$' "$out"
out="$(bash_complete "rune get se")"
expect bash "rune get se<TAB> lists secrets with a description" '^secrets +\(secrets \(metadata only\)\)$' "$out"
expect bash "rune get se<TAB> lists services" '^services ' "$out"
out="$(bash_complete "rune get services -o ")"
expect bash "enum values of -o" '^json$' "$out"
out="$(bash_complete "rune get services --output=y")"
expect bash "--output=y completes the value only" '^yaml$' "$out"
out="$(bash_complete "rune cast ")"
expect bash "cast completes YAML files" '^app.yaml$' "$out"
refute bash "cast skips other files" 'notes.txt' "$out"
out="$(bash_complete "rune context use ")"
expect bash "context names from the config file" '^dev ' "$out"

# --- zsh, interactively through zpty ----------------------------------------
mkdir -p "$work/zfunc"
cp "$scripts/_rune" "$work/zfunc/_rune"
cat >"$work/drive.zsh" <<'ZSH'
# Types a line and TAB into an interactive zsh; prints what the terminal shows.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='%% '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w -n z "$2"$'\t'
out=''
for i in {1..150}; do
  sleep 0.1
  while zpty -rt z chunk 2>/dev/null; do out+=$chunk; done
  [[ $out == *"$3"* ]] && break
done
zpty -d z
print -r -- "$out"
ZSH
out="$(cd "$work/files" && zsh -f "$work/drive.zsh" "$work/zfunc" "rune ca" "rune cast")"
expect zsh "rune ca<TAB> completes to cast" 'rune cast' "$out"
out="$(cd "$work/files" && zsh -f "$work/drive.zsh" "$work/zfunc" "rune cast " "sub/")"
expect zsh "cast offers YAML files" 'app.yaml' "$out"
expect zsh "cast offers directories" 'sub/' "$out"
refute zsh "cast skips other files" 'notes.txt' "$out"

# --- fish --------------------------------------------------------------------
out="$(cd "$work/files" && fish --no-config -c "source '$scripts/rune.fish'; complete -C'rune ca'")"
expect fish "rune ca<TAB> offers cast with its description" $'^cast\tApply services' "$out"
out="$(cd "$work/files" && fish --no-config -c "source '$scripts/rune.fish'; complete -C'rune cast '")"
expect fish "cast completes YAML files" '^app.yaml' "$out"
refute fish "cast skips other files" 'notes.txt' "$out"

if [ "$failures" -ne 0 ]; then
  echo "$failures completion check(s) failed" >&2
  exit 1
fi
