# bash completion for virsh-dirtyrate: asks the program itself, which
# knows its command tables and lists domains over a read-only connection
# (to the URI the line gives with -c or --connect, if any).
#
# The words are split from the line on blanks only: bash's own split
# breaks at ':' and '=', which would cut a URI such as qemu:///system
# into pieces.
_virsh_dirtyrate()
{
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    local IFS=$' \t\n'
    read -ra words <<< "$line"
    # A blank at the end starts a new, empty word.
    [[ $line =~ [[:space:]]$ ]] && words+=("")
    local cur=${words[${#words[@]}-1]}
    IFS=$'\n'
    COMPREPLY=($(compgen -W "$("${words[0]}" complete -- "${words[@]:1}" 2>/dev/null)" -- "$cur"))
}
complete -F _virsh_dirtyrate virsh-dirtyrate
