#!/usr/bin/env bash
# Runs every test of the project — the one command README.md gives.
#
# Installs what the tests need when it is missing (valgrind for the C ABI tests; GNU time and `requests`
# for the benchmark smoke run), then builds the native library for win-x64 and linux-x64/arm64 (glibc 2.17)
# and checks it, running the Windows build under Wine (scripts/build-native.sh, check-native.sh; they
# install mingw-w64, Wine and zig themselves), then runs the .NET build, format check and `dotnet test` of the C# binding
# (against the simulator), a pack check, the PowerShell module's Pester suite under pwsh (the module
# assembled and checked as a package, every cmdlet run against the simulator), a smoke run of the
# benchmark harness (so it cannot rot), and `cargo nextest run --workspace`. The .NET SDK and PowerShell
# must be on PATH (`dotnet`, `pwsh`; README says how to get them): nothing
# is skipped silently, so a missing tool fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== tools"
bash scripts/install-tools.sh
for tool in dotnet pwsh; do
  command -v "$tool" >/dev/null || {
    echo "$tool is not on PATH: see README, section PowerShell" >&2
    exit 1
  }
done

echo "== header is current (build.rs regenerates include/mdca.h)"
cargo build -p mdca --quiet
git diff --exit-code -- include/mdca.h || {
  echo "include/mdca.h differs from what build.rs generates: commit the regenerated header" >&2
  exit 1
}

echo "== citations resolve inside the repository (docs/api.md)"
python3 scripts/check-citations.py

echo "== native libraries for Windows (run under Wine) and Linux x64/arm64 against glibc 2.17"
bash scripts/build-native.sh
bash scripts/check-native.sh

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
for need in ["lib/netstandard2.0/Mdca.dll", "runtimes/linux-x64/native/libmdca.so",
             "runtimes/linux-arm64/native/libmdca.so", "runtimes/win-x64/native/mdca.dll", "README.md"]:
    assert need in names, f"{pkgs[0].name} lacks {need}: {sorted(names)}"
print(f"{pkgs[0].name}: {len(names)} entries, native libraries for linux-x64, linux-arm64, win-x64")
PY
rm -rf "$pack_dir"

echo "== PowerShell module: assembled outside the repository, packed, and the Pester suite under pwsh"
bash scripts/test-powershell.sh

echo "== benchmark harness smoke run (tiny sizes; the full run is bash scripts/bench.sh)"
python3 bench/run.py --smoke --results "$(mktemp -d)"

echo "== cargo nextest run --workspace"
cargo nextest run --workspace
