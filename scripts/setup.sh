#!/usr/bin/env bash
# Create .venv and install Mass IDE into it: torch 2.13.0 (the CPU build on this machine) first,
# then the package, which builds its JupyterLab extension and installs it prebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@" 2>&1 | grep -v "^WARNING: Location" || true; }
pip_install torch==2.13.0
pip_install ".[test]"
# One real LiTS CT case for the liver-segmentation template; its metadata pins an old torch, hence --no-deps.
pip_install --no-deps liver-ct-segmentation-package==1.6.0
.venv/bin/python -c "import mass_ide, torch; print(f'mass_ide {mass_ide.__version__} with torch {torch.__version__} installed in .venv')"
