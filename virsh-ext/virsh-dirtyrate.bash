# bash completion for virsh-dirtyrate: asks the program itself, which
# knows its command tables and lists domains over a read-only connection.
_virsh_dirtyrate()
{
    local cur words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$("${words[0]}" complete -- "${words[@]:1:cword}" 2>/dev/null)" -- "$cur"))
}
complete -F _virsh_dirtyrate virsh-dirtyrate
