#!/usr/bin/env bash
# Install (see setup.sh), seed a demo workspace in ./mass-demo and start JupyterLab with Mass IDE.
# Extra arguments go to `jupyter lab`, e.g. `make lab ARGS="--port 9000"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/mass-ide lab --root mass-demo --demo "$@"
