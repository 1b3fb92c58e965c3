#!/usr/bin/env bash
# Install (see setup.sh), make sure the Debian packages the tests start are there (Chromium for the browser
# tests, Orthanc and dcmtk as the PACS and DICOM tools), run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
MISSING=""
[ -x /usr/bin/chromium ] || MISSING="$MISSING chromium"
[ -x /usr/sbin/Orthanc ] || MISSING="$MISSING orthanc"
[ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || MISSING="$MISSING orthanc-dicomweb"
[ -x /usr/bin/storescu ] || MISSING="$MISSING dcmtk"
if [ -n "$MISSING" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    $SUDO apt-get install -y -qq $MISSING >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
exec .venv/bin/python -m pytest "$@"
