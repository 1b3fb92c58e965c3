#!/usr/bin/env bash
# Install (see setup.sh) and run every benchmark in benchmarks/, writing benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for bench in benchmarks/[a-z]*.py; do
    name="$(basename "$bench" .py)"
    [ "$name" = "report" ] && continue
    .venv/bin/python -m "benchmarks.$name"
done
