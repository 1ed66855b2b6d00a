#!/usr/bin/env bash
# Make a Chromium available to the bots' browser keywords (Playwright).
#
# Debian's /usr/bin/chromium is preferred: it gets security updates with the
# system. As root we install it; as anyone else we fall back to Playwright's own
# download (under ~/.cache/ms-playwright), which needs no privileges.
set -euo pipefail

python="${PYTHON:-.venv/bin/python}"

if [ -x /usr/bin/chromium ]; then
    echo "chromium: using /usr/bin/chromium"
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium: installing Debian's chromium package"
    if apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; then
        exit 0
    fi
    echo "chromium: apt-get could not install chromium; falling back to Playwright's download" >&2
fi

echo "chromium: installing Playwright's Chromium"
exec "$python" -m playwright install chromium
