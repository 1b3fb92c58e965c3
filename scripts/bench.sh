#!/usr/bin/env bash
# Install (see setup.sh), make sure the Debian packages a benchmark starts are there (Orthanc with DICOMweb
# for benchmarks/pacs.py), and run every benchmark in benchmarks/, writing benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
MISSING=""
[ -x /usr/sbin/Orthanc ] || MISSING="$MISSING orthanc"
[ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || MISSING="$MISSING orthanc-dicomweb"
if [ -n "$MISSING" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    $SUDO apt-get install -y -qq $MISSING >/dev/null
fi
for bench in benchmarks/[a-z]*.py; do
    name="$(basename "$bench" .py)"
    [ "$name" = "report" ] && continue
    .venv/bin/python -m "benchmarks.$name"
done
