#!/bin/sh
# Runs the python3-pytest integration tests on the real test bed.
#
# They need root (the system libvirtd is the source host).  Outside CI a
# missing prerequisite skips them (exit 77) with a message naming it;
# with DR_TESTBED_REQUIRED=1, as .ci/run sets, it is a failure.
missing() {
    echo "integration tests: $1" >&2
    if [ "${DR_TESTBED_REQUIRED:-0}" = 1 ]; then
        echo "DR_TESTBED_REQUIRED=1: failing instead of skipping" >&2
        exit 1
    fi
    exit 77
}

[ "$(id -u)" = 0 ] || missing "they need root (run make check as root)"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || missing "/usr/bin/python3 is not installed"
"$PYTHON" -c 'import pytest' 2>/dev/null || missing "python3-pytest is not installed"
"$PYTHON" -c 'import libvirt' 2>/dev/null || missing "python3-libvirt is not installed"

# A guest lost to QEMU 7.2's TCG migration bug (tests/testbed/drtestbed.py)
# fails its test with a message that says so; such a failure, and no
# other, is run again once.  CI installs the plugin on both beds.
rerun= report=-rsfE
if "$PYTHON" -c 'import pytest_rerunfailures' 2>/dev/null; then
    rerun="--reruns 1 --only-rerun" report=-rsfER
elif [ "${DR_TESTBED_REQUIRED:-0}" = 1 ]; then
    missing "python3-pytest-rerunfailures is not installed"
fi

cd "${abs_top_srcdir:?}/tests/integration" || exit 99
# shellcheck disable=SC2086 # $rerun is two options, or none
"$PYTHON" -m pytest -p no:cacheprovider -v $report --durations=15 \
    ${rerun:+$rerun "guest lost to QEMU's TCG migration bug"} ${DR_PYTEST_ARGS:-} .
rc=$?
case $rc in
    5) echo "integration tests: pytest collected no tests" >&2; exit 1 ;;
esac
exit $rc
