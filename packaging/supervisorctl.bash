# supervisorctl.bash - bash completion for supervisorctl (supervisor-cpp and Python's).
# Commands come from `supervisorctl help` (the ctl's own catalog); group and process names
# from the running supervisord (`supervisorctl avail`), with the -c/-s/-u/-p options typed
# so far. Install as /usr/share/bash-completion/completions/supervisorctl or source it.

_supervisorctl_opts() {
  # The connection options already on the line, to ask the same daemon.
  local i out=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -c|-s|-u|-p) out+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}"); ((i++)) ;;
      --configuration=*|--serverurl=*|--username=*|--password=*) out+=("${COMP_WORDS[i]}") ;;
    esac
  done
  printf '%s\n' "${out[@]}"
}

_supervisorctl() {
  local cur prev words cword
  if declare -F _get_comp_words_by_ref >/dev/null; then
    _get_comp_words_by_ref -n : cur prev words cword   # ':' stays inside group:name
  else
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  fi
  local ctl=${words[0]}

  case $prev in
    -c|--configuration|-r|--history_file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -s|--serverurl|-u|--username|-p|--password) return ;;
  esac

  # The command is the first word after the options.
  local i cmd="" nargs=0
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -c|-s|-u|-p|-r) ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=${words[i]}; else ((nargs++)); fi ;;
    esac
  done

  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "-c -s -u -p -r -i -h --configuration= --serverurl=
        --username= --password= --history_file= --interactive --help" -- "$cur"))
    else
      local cmds
      cmds=$("$ctl" help 2>/dev/null | sed '1,/^===/d')
      COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
    fi
    return
  fi

  local -a opts
  mapfile -t opts < <(_supervisorctl_opts)
  local names groups
  case $cmd in
    start|stop|restart|status|clear|pid|signal|tail|fg)
      if [ "$cmd" = signal ] && [ $nargs -eq 0 ]; then
        COMPREPLY=($(compgen -W "HUP INT QUIT KILL TERM USR1 USR2 STOP CONT" -- "$cur"))
        return
      fi
      if [ "$cmd" = tail ] && [ $nargs -ge 1 ]; then
        COMPREPLY=($(compgen -W "stdout stderr" -- "$cur")); return
      fi
      names=$("$ctl" "${opts[@]}" avail 2>/dev/null | awk 'NF > 1 {print $1}')
      groups=$(printf '%s\n' $names | awk -F: 'NF > 1 {print $1 ":*"}' | sort -u)
      COMPREPLY=($(compgen -W "$names $groups all" -- "$cur")) ;;
    add|remove|update)
      names=$("$ctl" "${opts[@]}" avail 2>/dev/null | awk 'NF > 1 {print $1}')
      groups=$(printf '%s\n' $names | awk -F: '{print $1}' | sort -u)
      COMPREPLY=($(compgen -W "$groups" -- "$cur")) ;;
    help)
      COMPREPLY=($(compgen -W "$("$ctl" help 2>/dev/null | sed '1,/^===/d')" -- "$cur")) ;;
    *) COMPREPLY=() ;;
  esac
  if declare -F __ltrim_colon_completions >/dev/null; then
    __ltrim_colon_completions "$cur"
  fi
}

complete -F _supervisorctl supervisorctl
