#!/usr/bin/env bash
# Installs what the tests and the benchmarks need when it is missing.
#
#   gcc, valgrind    the C ABI tests (native, valgrind, ASan) and the benchmark's C consumer
#   GNU time         /usr/bin/time: CPU seconds and peak RSS in the benchmarks
#   cargo-nextest    the test runner README.md names
#   requests         the benchmark's hand-written Python contender
#
# Everything comes from Debian apt, crates.io or PyPI. The .NET SDK (`dotnet`) and PowerShell (`pwsh`) are
# not installed here: they must be on PATH (README says how to get them).
# Used by scripts/test.sh and scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}" >&2
  as_root apt-get update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "== installing cargo-nextest" >&2
  cargo install --locked cargo-nextest >&2
fi

python3 -c 'import requests' 2>/dev/null \
  || python3 -m pip install --disable-pip-version-check requests >&2
