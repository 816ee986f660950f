// `kube-havoc completion bash|zsh`: shell completion of the commands and of
// each command's own options, generated from the parser's tables so the two
// cannot drift. The same script completes `kubectl-havoc` (`kubectl havoc`
// completes through kubectl's own plugin completion, which calls it).

import { COMMAND_OPTIONS, COMMANDS, type CommandName } from './args.ts';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

const ALL = [...COMMANDS, 'completion'] as const;

const flags = (command: CommandName) => COMMAND_OPTIONS[command].map((o) => `--${o}`).join(' ');

function bash(): string {
  const cases = COMMANDS.map((c) => `    ${c}) opts="${flags(c)}" ;;`).join('\n');
  return `# kube-havoc bash completion: source <(kube-havoc completion bash)
_kube_havoc() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${ALL.join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    completion) COMPREPLY=($(compgen -W "${SHELLS.join(' ')}" -- "$cur")); return ;;
    *) opts="" ;;
  esac
  case "$cur" in
    -*|'') COMPREPLY=($(compgen -W "$opts" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -o default -F _kube_havoc kube-havoc kubectl-havoc
`;
}

function zsh(): string {
  const cases = COMMANDS.map((c) => `    ${c}) opts=(${flags(c)}) ;;`).join('\n');
  return `#compdef kube-havoc kubectl-havoc
# kube-havoc zsh completion: source <(kube-havoc completion zsh), or save it as _kube-havoc in your $fpath
_kube_havoc() {
  local -a opts
  if (( CURRENT == 2 )); then
    compadd -- ${ALL.join(' ')} --help --version
    return
  fi
  case $words[2] in
${cases}
    completion) compadd -- ${SHELLS.join(' ')}; return ;;
  esac
  if [[ $PREFIX == -* ]]; then compadd -- $opts; else _files; fi
}
compdef _kube_havoc kube-havoc kubectl-havoc
`;
}

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : zsh();
}
