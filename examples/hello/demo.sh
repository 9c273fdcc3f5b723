#!/usr/bin/env bash
# Live demo of examples/hello: build the hot patch with tscare-patch-make, start foo,
# patch it while it runs, show `info`, unpatch it. Works on a copy in a temporary
# directory so the repository stays clean. Exits non-zero if foo does not change
# its greeting when patched, or does not change it back when unpatched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PATH="$root/bin:$PATH"

work=$(mktemp -d /tmp/tscare-demo-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp "$here/foo.c" "$here/Makefile" "$here/foo.patch" "$work/"
cd "$work"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
shown=0
show_output() { # print what foo said since the last call
  sleep 1.3
  local total; total=$(wc -l < foo.out)
  tail -n +$((shown + 1)) foo.out | head -n $((total - shown)) | sed 's/^/  foo | /'
  last=$(tail -n 1 foo.out); shown=$total
}

say tscare-patch-make --clean -i 0001 foo.patch
tscare-patch-make --clean -i 0001 foo.patch

say "./lpmake/foo 500 &"
./lpmake/foo 500 > foo.out &
pid=$!
show_output
[ "$last" = "Hello world!" ] || { echo "demo: foo did not start as expected" >&2; exit 1; }

say tscare-ctl patch -p "$pid" patchroot/*.kpatch
tscare-ctl patch -p "$pid" patchroot/*.kpatch
show_output
[ "$last" = "Hello world being patched!" ] || { echo "demo: the patch did not take effect" >&2; exit 1; }

say tscare-ctl info -p "$pid"
tscare-ctl info -p "$pid"

say tscare-ctl unpatch -p "$pid" -i 0001
tscare-ctl unpatch -p "$pid" -i 0001
show_output
[ "$last" = "Hello world!" ] || { echo "demo: unpatch did not restore the old behaviour" >&2; exit 1; }

echo
echo "demo: foo (pid $pid) was patched and unpatched live, and is still running."
