#!/bin/sh
# The installed library exports exactly what src/libdirtyrate.syms
# lists, every listed symbol is declared in an installed header, and
# every installed header compiles on its own.
set -u
top=${abs_top_srcdir:?}
build=${abs_top_builddir:?}
lib=$build/src/.libs/libdirtyrate.so
[ -f "$lib" ] || { echo "FAIL: $lib was not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
nm -D --defined-only "$lib" | awk '$3 !~ /^DIRTYRATE_/ { sub(/@.*/, "", $3); print $3 }' | sort >"$tmp/exported"
grep -o 'dr_[a-z0-9_]*;' "$top/src/libdirtyrate.syms" | tr -d ';' | sort >"$tmp/listed"
if diff -u "$tmp/listed" "$tmp/exported"; then
    echo "PASS: $(wc -l <"$tmp/listed") exported symbols, as listed"
else
    echo "FAIL: exported symbols differ from libdirtyrate.syms"; fail=1
fi
headers=$(sed -n '/^dirtyrateinclude_HEADERS/,/NULL/p' "$top/src/Makefile.am" | grep -o '[a-z-]*\.h')
for s in $(cat "$tmp/listed"); do
    found=0
    for h in $headers; do
        grep "\\b$s\\b" "$top/src/$h" >/dev/null && { found=1; break; }
    done
    [ $found = 1 ] || { echo "FAIL: $s is in no installed header"; fail=1; }
done
# Each installed header alone, with only the other installed headers.
mkdir "$tmp/inc"
for h in $headers; do cp "$top/src/$h" "$tmp/inc/"; done
for h in $headers; do
    printf '#include "%s"\nint main(void) { return 0; }\n' "$h" >"$tmp/t.c"
    # shellcheck disable=SC2086
    if ${CC:-cc} -fsyntax-only -I"$tmp/inc" $DR_DEPS_CFLAGS "$tmp/t.c" 2>"$tmp/err"; then
        echo "PASS: $h compiles alone"
    else
        echo "FAIL: $h does not compile alone:"; cat "$tmp/err"; fail=1
    fi
done
[ $fail = 0 ] && echo "symbols: all checks passed"
exit $fail
