#!/usr/bin/env bash
# Runs every test of the project — the one command README.md gives.
#
# Installs what the tests need when it is missing (valgrind for the C ABI tests; GNU time and `requests`
# for the benchmark smoke run), then runs the .NET build, format check and `dotnet test` of the C# binding
# (against the simulator), a pack check, the PowerShell module's Pester suite under pwsh (the module
# assembled and checked as a package, every cmdlet run against the simulator), a smoke run of the
# benchmark harness (so it cannot rot), and `cargo nextest run --workspace`. The .NET SDK and PowerShell
# must be on PATH (`dotnet`, `pwsh`; README says how to get them, CI puts ../shared/tools first): nothing
# is skipped silently, so a missing tool fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== tools"
bash scripts/install-tools.sh
for tool in dotnet pwsh; do
  command -v "$tool" >/dev/null || {
    echo "$tool is not on PATH: see README, section PowerShell (CI puts ../shared/tools first on PATH)" >&2
    exit 1
  }
done

echo "== header is current (build.rs regenerates include/mdca.h)"
cargo build -p mdca --quiet
git diff --exit-code -- include/mdca.h || {
  echo "include/mdca.h differs from what build.rs generates: commit the regenerated header" >&2
  exit 1
}

echo "== C# binding: build (warnings are errors), dotnet format, dotnet test, dotnet pack"
# The tests start target/debug/mdca-sim; the binding copies target/debug/libmdca.so beside itself.
cargo build -p mdca -p mdca-sim --quiet
dotnet build dotnet/Mdca.slnx -p:ContinuousIntegrationBuild=true --nologo -v quiet
dotnet format dotnet/Mdca.slnx --verify-no-changes --no-restore
dotnet test dotnet/Mdca.slnx --no-build --nologo
pack_dir=$(mktemp -d)
# Debug: the build above (a release package is the same with -c Release after cargo build --release).
dotnet pack dotnet/src/Mdca/Mdca.csproj -c Debug --no-build --nologo -v quiet -o "$pack_dir"
python3 - "$pack_dir" <<'PY'
import sys, zipfile, pathlib
pkgs = list(pathlib.Path(sys.argv[1]).glob("*.nupkg"))
assert len(pkgs) == 1, f"expected one package, got {pkgs}"
names = set(zipfile.ZipFile(pkgs[0]).namelist())
for need in ["lib/netstandard2.0/Mdca.dll", "runtimes/linux-x64/native/libmdca.so", "README.md"]:
    assert need in names, f"{pkgs[0].name} lacks {need}: {sorted(names)}"
print(f"{pkgs[0].name}: {len(names)} entries, native library under runtimes/linux-x64/native/")
PY
rm -rf "$pack_dir"

echo "== PowerShell module: assembled outside the repository, packed, and the Pester suite under pwsh"
bash scripts/test-powershell.sh

echo "== benchmark harness smoke run (tiny sizes; the full run is bash scripts/bench.sh)"
python3 bench/run.py --smoke --results "$(mktemp -d)"

echo "== cargo nextest run --workspace"
cargo nextest run --workspace
