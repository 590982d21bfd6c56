package main

import (
	"fmt"
	"io"
)

// runCompletion prints a shell completion script.
func runCompletion(args []string, out io.Writer) error {
	if len(args) != 1 {
		return usagef("usage: pmdev completion bash|zsh|fish")
	}
	switch args[0] {
	case "bash":
		_, err := io.WriteString(out, bashCompletion())
		return err
	case "zsh":
		_, err := io.WriteString(out, zshCompletion)
		return err
	case "fish":
		_, err := io.WriteString(out, fishCompletion)
		return err
	}
	return usagef("completion: unknown shell %q (want bash, zsh or fish)", args[0])
}

const consoleFlagWords = "--sandbox --as --sandbox-traffic --sandbox-db --api-url --token --profile --refresh --no-color --mouse --log --debug --version --help"

func bashCompletion() string {
	return fmt.Sprintf(`# pmdev bash completion: source <(pmdev completion bash)
_pmdev() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --as) COMPREPLY=($(compgen -W "admin developer member" -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
    --log|--sandbox-db) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "server docs ssh-gateway completion help version %[1]s" -- "$cur"))
  elif [[ ${COMP_WORDS[1]} == -* ]]; then
    COMPREPLY=($(compgen -W "%[1]s" -- "$cur"))
  fi
}
complete -F _pmdev pmdev
`, consoleFlagWords)
}

const zshCompletion = `#compdef pmdev
# pmdev zsh completion: pmdev completion zsh > "${fpath[1]}/_pmdev"
_pmdev() {
  _arguments -C \
    '--sandbox[use the in-process sandbox]' \
    '--as[sandbox identity]:role:(admin developer member)' \
    '--sandbox-traffic[simulate traffic]' \
    '--sandbox-db[sandbox database]:file:_files' \
    '--api-url[API origin]:url:' \
    '--token[personal access token]:token:' \
    '--profile[config profile]:profile:' \
    '--refresh[poll intervals]:list:' \
    '--no-color[no colours]' \
    '--mouse[clickable tabs]' \
    '--log[log file]:file:_files' \
    '--debug[debug log level]' \
    '--version[print the version]' \
    '--help[show help]' \
    '1: :(server docs ssh-gateway completion help version)' \
    '*::arg:->args'
  case $words[1] in
    completion) _values shell bash zsh fish ;;
  esac
}
_pmdev "$@"
`

const fishCompletion = `# pmdev fish completion: pmdev completion fish | source
complete -c pmdev -f
complete -c pmdev -n __fish_use_subcommand -a 'server docs ssh-gateway completion help version'
complete -c pmdev -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'
complete -c pmdev -l sandbox -d 'use the in-process sandbox'
complete -c pmdev -l as -x -a 'admin developer member' -d 'sandbox identity'
complete -c pmdev -l sandbox-traffic -d 'simulate traffic'
complete -c pmdev -l sandbox-db -r -F -d 'sandbox database'
complete -c pmdev -l api-url -x -d 'API origin'
complete -c pmdev -l token -x -d 'personal access token'
complete -c pmdev -l profile -x -d 'config profile'
complete -c pmdev -l refresh -x -d 'poll intervals'
complete -c pmdev -l no-color -d 'no colours'
complete -c pmdev -l mouse -d 'clickable tabs'
complete -c pmdev -l log -r -F -d 'log file'
complete -c pmdev -l debug -d 'debug log level'
complete -c pmdev -l version -d 'print the version'
complete -c pmdev -l help -d 'show help'
`
