#!/usr/bin/env bash
# Runs the Pester suite (powershell/tests/*.Tests.ps1) under pwsh against the simulator, on the module
# assembled by scripts/build-module.sh into a temporary folder outside the repository, as a user would
# install it. Uses dotnet and pwsh from PATH (.ci/run puts the project's toolchain first).
# Usage: scripts/test-powershell.sh [PESTER_FILTER_PATH...]   e.g. powershell/tests/Records.Tests.ps1
# MDCA_MODULE=<dir>/Mdca.PowerShell skips the build and tests that folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cargo build -p mdca-sim --quiet
export MDCA_SIM="${CARGO_TARGET_DIR:-$root/target}/debug/mdca-sim"

if [ -z "${MDCA_MODULE:-}" ]; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    bash scripts/build-module.sh --out "$out" | tail -n 1
    export MDCA_MODULE="$out/Mdca.PowerShell"
fi

paths=("$@")
[ ${#paths[@]} -eq 0 ] && paths=(powershell/tests)
list=$(printf "'%s'," "${paths[@]}")
pwsh -NoProfile -NonInteractive -Command "
\$ErrorActionPreference = 'Stop'
if (\$PSStyle) { \$PSStyle.OutputRendering = 'PlainText' }
Import-Module Pester -MinimumVersion 5.5
\$config = New-PesterConfiguration
\$config.Run.Path = @(${list%,})
\$config.Run.Exit = \$true
\$config.Output.Verbosity = 'Detailed'
\$config.Should.ErrorAction = 'Stop'
Invoke-Pester -Configuration \$config
"
