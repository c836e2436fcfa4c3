# Drives the checked-in completion scripts in real shells; sourced by the
# completion tests after they set $scripts (the scripts' directory) and $work
# (a scratch directory with bin/rune and files/ in it).
#   out="$(bash_complete "rune get se")"; offers bash "what" '^services ' "$out"
# `failures` counts failed checks.
failures=0

offers() {  # offers <shell> <description> <pattern> <output>
  if grep -Eq -- "$3" <<<"$4"; then
    echo "ok   $1: $2"
  else
    echo "FAIL $1: $2 — expected /$3/ in:" >&2
    printf '%s\n' "$4" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  fi
}
lacks() {  # lacks <shell> <description> <pattern> <output>
  if grep -Eq -- "$3" <<<"$4"; then
    echo "FAIL $1: $2 — did not expect /$3/ in:" >&2
    printf '%s\n' "$4" | sed 's/^/    /' >&2
    failures=$((failures + 1))
  else
    echo "ok   $1: $2"
  fi
}

# bash with bash-completion 2: prints COMPREPLY for the line (cursor at its end).
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

# An interactive zsh through zpty: types the line and TAB, prints what the
# terminal shows once <until> appears (or after 15 s).
mkdir -p "$work/zfunc"
cp "$scripts/_rune" "$work/zfunc/_rune"
cat >"$work/drive.zsh" <<'ZSH'
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
zsh_complete() {  # zsh_complete <line> <until>
  (cd "$work/files" && zsh -f "$work/drive.zsh" "$work/zfunc" "$1" "$2")
}

# fish: `complete -C` prints "<candidate>\t<description>" lines.
fish_complete() {  # fish_complete <line>
  (cd "$work/files" && fish --no-config -c "source '$scripts/rune.fish'; complete -C'$1'")
}
