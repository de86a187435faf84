#!/bin/sh
# Golden-file tests of virsh-dirtyrate's output.
#
# Each tests/cli/NAME.args holds the arguments of one run (shell words);
# its stdout and stderr, then "exit N", must equal tests/cli/NAME.out.
# Runs use LANG=C and libvirt's built-in test:///default driver unless
# the .args file gives -c itself.  DR_REGENERATE=1 rewrites the .out
# files: read the diff before committing it.
set -u
srcdir=${abs_top_srcdir:?}/tests/cli
prog=${abs_top_builddir:?}/virsh-ext/virsh-dirtyrate
export LANG=C LC_ALL=C LIBVIRT_DEFAULT_URI=test:///default
export DR_SCHEMA_DIR=$abs_top_srcdir/schemas
# Paths in .args files are relative to the source tree.
cd "$abs_top_srcdir" || exit 99
# The library's version shows in some outputs and differs between the
# beds (Debian 12: 9.0.0; Debian 13: 11.3.0): it is written as
# @LIBVIRT_VERSION@ and @LIBVIRT_VERSION_NUM@ in the .out files.
lv=$(pkg-config --modversion libvirt) || { echo "FAIL: pkg-config cannot find libvirt"; exit 1; }
lv_num=$(echo "$lv" | awk -F. '{ printf "%d", $1 * 1000000 + $2 * 1000 + $3 }')
lv_re=$(echo "$lv" | sed 's/\./\\./g')
normalize() {
    sed -e "s/libvirt $lv_re\b/libvirt @LIBVIRT_VERSION@/g" \
        -e "s/\"libvirt_version\" : $lv_num\b/\"libvirt_version\" : @LIBVIRT_VERSION_NUM@/g"
}
# No case at all is a broken test tree, not a pass.
set -- "$srcdir"/*.args
[ -f "$1" ] || { echo "FAIL: no golden cases in $srcdir"; exit 1; }
fail=0
n=0
for args in "$srcdir"/*.args; do
    name=$(basename "$args" .args)
    expect=$srcdir/$name.out
    n=$((n + 1))
    got=$(eval "set -- $(cat "$args")"; "$prog" "$@" 2>&1; echo "exit $?")
    got=$(printf '%s\n' "$got" | normalize)
    if [ "${DR_REGENERATE:-0}" = 1 ]; then
        printf '%s\n' "$got" > "$expect"
        echo "regenerated $name"
        continue
    fi
    if printf '%s\n' "$got" | diff -u "$expect" - ; then
        echo "PASS: $name"
    else
        echo "FAIL: $name"
        fail=$((fail + 1))
    fi
done
echo "$((n - fail)) passed, $fail failed"
[ $fail = 0 ]
