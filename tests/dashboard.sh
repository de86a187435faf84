#!/bin/sh
# contrib/grafana's dashboard is valid JSON, and every metric its queries
# use is one the daemon serves (src/dr-metrics.c's table), so that a
# renamed metric does not leave an empty panel behind.
set -u
top=${abs_top_srcdir:?}
dash=$top/contrib/grafana/virt-dirtyrate.json
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
if ! python3 -m json.tool "$dash" >/dev/null; then
    echo "FAIL: $dash is not valid JSON"; exit 1
fi
sed -n 's/^ *{ "\([a-z_]*\)", "\(gauge\|counter\)".*/virt_dirtyrate_\1/p' "$top/src/dr-metrics.c" |
    sort -u >"$tmp/served"
[ -s "$tmp/served" ] || { echo "FAIL: no metric found in src/dr-metrics.c"; exit 1; }
grep -o 'virt_dirtyrate_[a-z_]*' "$dash" | sort -u >"$tmp/used"
unknown=$(comm -23 "$tmp/used" "$tmp/served")
if [ -n "$unknown" ]; then
    echo "FAIL: the dashboard uses metrics the daemon does not serve:"; echo "$unknown"; fail=1
fi
unused=$(comm -13 "$tmp/used" "$tmp/served")
if [ -n "$unused" ]; then
    echo "FAIL: served metrics no panel shows:"; echo "$unused"; fail=1
fi
[ $fail = 0 ] && echo "PASS: $(wc -l <"$tmp/used") metrics, all served and all shown"
exit $fail
