#!/usr/bin/env bash
# After tsc: make every CLI that bin/ links to executable (tsc does not set the x bit).
set -euo pipefail
cd "$(dirname "$0")/.."
for link in bin/*; do
  target=$(readlink -f "$link")
  if [ -f "$target" ]; then chmod +x "$target"; fi
done
