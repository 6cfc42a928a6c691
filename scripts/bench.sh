#!/usr/bin/env bash
# The benchmarks, end to end on a fresh machine: installs what they need (scripts/install-tools.sh), then
# runs `python3 bench/run.py` with the arguments given (e.g. --smoke, --runs 2, --only throttle).
# Results: bench/results/latest.md and latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-tools.sh

exec python3 bench/run.py "$@"
