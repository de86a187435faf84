#!/bin/sh
# Every policy XML under xml/ and tests/ against schemas/policy.rng:
# with xmllint (the grammar alone) and with virsh-dirtyrate's own
# validation (the grammar, then each value's range).  Files named
# *-invalid.xml must fail with the error that tests/policy/expected-errors
# names for them; the others must pass both.
set -u
top=${abs_top_srcdir:?}
prog=${abs_top_builddir:?}/virsh-ext/virsh-dirtyrate
export DR_SCHEMA_DIR=$top/schemas LANG=C LC_ALL=C
pass=0
fail=0
for f in "$top"/xml/policy-*.xml "$top"/tests/policy/*.xml; do
    name=${f#"$top"/}
    case $f in
    *-invalid.xml)
        want=$(awk -F '\t' -v f="$(basename "$f")" '$1 == f { print $2 }' \
               "$top/tests/policy/expected-errors")
        if [ -z "$want" ]; then
            echo "FAIL: $name is not in tests/policy/expected-errors"; fail=$((fail + 1))
        elif got=$("$prog" domdirtyrate-policy --validate "$f" 2>&1); then
            echo "FAIL: $name was accepted"; fail=$((fail + 1))
        else
            case $got in
            *"$want"*) echo "PASS: $name refused: $want"; pass=$((pass + 1)) ;;
            *) echo "FAIL: $name refused for another reason: $got (wanted: $want)"
               fail=$((fail + 1)) ;;
            esac
        fi ;;
    *)
        if xmllint --noout --relaxng "$top/schemas/policy.rng" "$f" 2>/dev/null &&
           "$prog" -q domdirtyrate-policy --validate "$f"; then
            echo "PASS: $name valid"; pass=$((pass + 1))
        else
            echo "FAIL: $name"; fail=$((fail + 1))
        fi ;;
    esac
done
# Example domains: libvirt's own schema for the whole domain; the policy
# in its <metadata> with xmllint (extracted), and virsh-dirtyrate reading
# the domain XML itself.
ns=https://virt-dirtyrate.org/xmlns/policy/1
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
for f in "$top"/xml/domain-*.xml; do
    name=${f#"$top"/}
    if virt-xml-validate "$f" domain >/dev/null 2>&1 &&
       xmllint --xpath "/domain/metadata/*[local-name()='policy' and namespace-uri()='$ns']" \
           "$f" >"$tmp" 2>/dev/null &&
       xmllint --noout --relaxng "$top/schemas/policy.rng" "$tmp" 2>/dev/null &&
       "$prog" -q domdirtyrate-policy --validate "$f"; then
        echo "PASS: $name valid, with a valid policy"; pass=$((pass + 1))
    else
        echo "FAIL: $name"; fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
