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

echo "== tools"
dotnet_line=$(bash scripts/install-tools.sh | tail -n 1)
export "${dotnet_line?}"          # MDCA_DOTNET=…/dotnet
export MDCA_REQUIRE_CSHARP=1

echo "== header is current (build.rs regenerates include/mdca.h)"
cargo build -p mdca --quiet
git diff --exit-code -- include/mdca.h || {
  echo "include/mdca.h differs from what build.rs generates: commit the regenerated header" >&2
  exit 1
}

echo "== citations resolve inside the repository (docs/api.md)"
python3 scripts/check-citations.py

echo "== PowerShell static checks"
python3 scripts/check-powershell.py

echo "== benchmark harness smoke run (tiny sizes; the full run is bash scripts/bench.sh)"
python3 bench/run.py --smoke --results "$(mktemp -d)"

echo "== cargo nextest run --workspace"
cargo nextest run --workspace
