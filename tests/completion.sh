#!/bin/sh
# The bash completion script (virsh-ext/virsh-dirtyrate.bash) driven as
# bash drives it: COMP_LINE and COMP_POINT in, COMPREPLY out.  Domains
# come from libvirt's test driver, by default or through a URI on the
# line (which bash itself would have split at its ':').
set -u
top=${abs_top_srcdir:?}
export PATH="${abs_top_builddir:?}/virsh-ext:$PATH" LANG=C LC_ALL=C
export LIBVIRT_DEFAULT_URI=test:///default
node="test://$top/tests/cli/testnode.xml"
command -v bash >/dev/null || { echo "SKIP: bash is not installed"; exit 77; }
out=$(bash -c '
. "$1/virsh-ext/virsh-dirtyrate.bash"
shift
for line in "$@"; do
    COMP_LINE=$line COMP_POINT=${#line} COMPREPLY=()
    _virsh_dirtyrate
    printf "%s|%s\n" "$line" "${COMPREPLY[*]}"
done' sh "$top" \
    "virsh-dirtyrate domdirtyrate-c" \
    "virsh-dirtyrate domdirtyrate-compress " \
    "virsh-dirtyrate domdirtyrate-compress --pa" \
    "virsh-dirtyrate -c $node domdirtyrate-compress " \
    "virsh-dirtyrate --connect=$node domdirtyrate-wss comp" \
    "virsh-dirtyrate -c test:///no/such/file.xml domdirtyrate-caps ")
expect="virsh-dirtyrate domdirtyrate-c|domdirtyrate-caps domdirtyrate-compress
virsh-dirtyrate domdirtyrate-compress |test
virsh-dirtyrate domdirtyrate-compress --pa|--pages
virsh-dirtyrate -c $node domdirtyrate-compress |completion-guest
virsh-dirtyrate --connect=$node domdirtyrate-wss comp|completion-guest
virsh-dirtyrate -c test:///no/such/file.xml domdirtyrate-caps |"
if [ "$out" = "$expect" ]; then
    echo "PASS: 6 completions"
    exit 0
fi
printf 'FAIL: expected\n%s\ngot\n%s\n' "$expect" "$out"
exit 1
