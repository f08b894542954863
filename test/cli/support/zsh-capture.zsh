# zsh -f zsh-capture.zsh SCRIPT LINE...
# Prints, one per line, the matches zsh's completion system offers for each
# LINE (cursor at its end) after `source SCRIPT`, then a line `--`: in a real
# interactive zsh driven through a pseudo-terminal (zsh/zpty), compinit, then
# each line and a TAB. A wrapper around compadd prints each match the
# completion functions add; a TAB widget prints an end marker once
# complete-word has returned; ^U clears the line for the next one.
zmodload zsh/zpty || exit 2
zpty hc zsh -f -i || exit 2
zpty -w hc 'PS1=""; RPS1=""; autoload -U compinit; compinit -u -D'
zpty -w hc "source ${(q)1}"
zpty -w hc 'compadd() {
  if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi
  local -a __hc_hits
  builtin compadd -O __hc_hits "$@"
  local h; for h in $__hc_hits; do print -r -- "__HC_MATCH__:$h"; done
  builtin compadd "$@"
}'
zpty -w hc '__hc_tab() { zle complete-word; print -r -- "__HC_END__" }; zle -N __hc_tab; bindkey "^I" __hc_tab'
zpty -w hc 'print -r -- __HC_READY__'
local line
while zpty -r hc line; do [[ $line == __HC_READY__* ]] && break; done
local input
for input in "${@[2,-1]}"; do
  zpty -w -n hc "$input"$'\t'
  while zpty -r hc line; do
    [[ $line == *__HC_END__* ]] && break
    [[ $line == *__HC_MATCH__:* ]] && print -r -- "${${line#*__HC_MATCH__:}%%$'\r'*}"
  done
  print -r -- --
  zpty -w -n hc $'\C-u'
done
zpty -d hc
