#!/usr/bin/env bash
# After tsc: make every CLI that a bin/ shim starts executable (tsc does not set the x bit;
# tscare-patch-make runs cc-wrapper/dist/cli.js directly as CC), and the shims themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
for shim in bin/*; do
  chmod +x "$shim"
  cli=$(sed -n 's/^cli=//p' "$shim")
  if [ -z "$cli" ]; then
    echo "mark-bins: $shim has no cli= line" >&2
    exit 1
  fi
  if [ -f "$cli" ]; then chmod +x "$cli"; fi
done
