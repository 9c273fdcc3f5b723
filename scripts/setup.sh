#!/usr/bin/env bash
# Installs what tscare's demo, tests and benchmarks need on a fresh Debian 12 machine
# (Node 20, git and root assumed): the compilers and binary tools from apt, then the npm
# packages. Each step runs only when something is missing, so calling it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
{ command -v as && command -v readelf && command -v strip; } >/dev/null 2>&1 || need_apt+=(binutils)
command -v patch >/dev/null 2>&1 || need_apt+=(patch)
command -v rpmbuild >/dev/null 2>&1 || need_apt+=(rpm)
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
[ -d /usr/lib/ccache ] || need_apt+=(ccache)
command -v gdb >/dev/null 2>&1 || need_apt+=(gdb)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need_apt[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
