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

cd "${abs_top_srcdir:?}/tests/integration" || exit 99
"$PYTHON" -m pytest -p no:cacheprovider -v -rsfE --durations=15 ${DR_PYTEST_ARGS:-} .
rc=$?
case $rc in
    5) echo "integration tests: pytest collected no tests" >&2; exit 1 ;;
esac
exit $rc
