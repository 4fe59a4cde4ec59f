#!/usr/bin/env bash
# Installs what tests/test_report.py needs to open report.html in headless Chromium:
# Debian's `chromium` package (at /usr/bin/chromium; fonts-liberation so screenshots have text)
# and the Python `playwright` package.
# Deliberately no `playwright install`: it downloads its own browser build, which fails offline;
# the tests launch the system Chromium through `executable_path` instead.
# Idempotent: apt is skipped when /usr/bin/chromium exists, pip is a no-op when installed.
set -euo pipefail

VENV="${VENV:-.venv}"

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-liberation
fi

"$VENV/bin/pip" install -q playwright

/usr/bin/chromium --version
"$VENV/bin/python" -c "import playwright.sync_api; print('playwright OK')"
