#!/usr/bin/env bash
# Installs what the PowerShell static checks (scripts/check-powershell.py) need: tree-sitter and
# tree-sitter-powershell from PyPI. The C# binding and its tests need only the .NET SDK (`dotnet` on PATH);
# Mono, mcs and the .NET 8 runtime wheel this script used to install are no longer used.
set -euo pipefail

python="${PYTHON:-python3}"
"$python" -m pip install --disable-pip-version-check 'tree-sitter==0.26.1' 'tree-sitter-powershell==0.26.4'
