#!/usr/bin/env bash
# Runs every test of the project — the one command README.md gives.
#
# Installs what the tests need when it is missing (valgrind for the C ABI tests; Mono's mcs and a .NET 8
# runtime for the C# tests; tree-sitter-powershell for the PowerShell static checks; GNU time and
# `requests` for the benchmark smoke run), then runs the PowerShell static checks, a smoke run of the
# benchmark harness (so it cannot rot), and `cargo nextest run --workspace`. Nothing is skipped silently:
# the C# and valgrind runs are required (MDCA_REQUIRE_CSHARP=1), so a missing tool fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
[ -x /usr/bin/time ] || missing+=(time)            # GNU time: the benchmark smoke run's CPU and RSS
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "== installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

echo "== C# and PowerShell tools"
dotnet_line=$(bash scripts/install-csharp-tools.sh | tail -n 1)
export "${dotnet_line?}"          # MDCA_DOTNET=…/dotnet
export MDCA_REQUIRE_CSHARP=1

echo "== header is current (build.rs regenerates include/mdca.h)"
cargo build -p mdca --quiet
git diff --exit-code -- include/mdca.h || {
  echo "include/mdca.h differs from what build.rs generates: commit the regenerated header" >&2
  exit 1
}

python3 -c 'import requests' 2>/dev/null || python3 -m pip install --disable-pip-version-check requests

echo "== PowerShell static checks"
python3 scripts/check-powershell.py

echo "== benchmark harness smoke run (tiny sizes; the full run is python3 bench/run.py)"
python3 bench/run.py --smoke --results "$(mktemp -d)"

echo "== cargo nextest run --workspace"
cargo nextest run --workspace
