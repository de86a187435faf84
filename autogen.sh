#!/bin/sh
# Bootstrap the build system from a git checkout.
#
# gnulib is not committed: it is imported here from Debian's 'gnulib'
# package, and only the modules that earn their place (compiler
# warnings and the syntax-check rules).
set -e
srcdir=$(dirname "$0")
cd "$srcdir"

if ! command -v gnulib-tool >/dev/null 2>&1; then
    echo "autogen.sh: gnulib-tool not found; install Debian's 'gnulib' package" >&2
    exit 1
fi

mkdir -p build-aux m4
gnulib-tool --import \
    --source-base=gnulib/lib --m4-base=gnulib/m4 --aux-dir=build-aux \
    --makefile-name=gnulib.mk --no-changelog --no-vc-files --quiet \
    manywarnings warnings maintainer-makefile >/dev/null
printf '%s\n' 'MOSTLYCLEANFILES =' 'noinst_LIBRARIES =' 'EXTRA_DIST =' 'include gnulib.mk' > gnulib/lib/Makefile.am

autopoint --force
autoreconf --install --force --warnings=all,no-obsolete

if [ $# -gt 0 ]; then
    exec ./configure "$@"
fi
echo "Now run ./configure && make"
