#!/usr/bin/env bash
# The benchmarks, end to end on a fresh machine: installs what they need (scripts/install-tools.sh), then
# runs `python3 bench/run.py` with the arguments given (e.g. --smoke, --runs 2, --only throttle).
# Results: bench/results/latest.md and latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet_line=$(bash scripts/install-tools.sh | tail -n 1)
export "${dotnet_line?}"          # MDCA_DOTNET=…/dotnet

exec python3 bench/run.py "$@"
