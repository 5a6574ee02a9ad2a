#!/usr/bin/env bash
# Browser journeys drive the system Chromium (Playwright's own browser download cannot be used
# here). Install Debian's package when it is missing and we may; otherwise say what to do.
set -euo pipefail
for candidate in "${PRM_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[prm] installing Chromium for the browser journeys (Debian package chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  echo "[prm] installing Chromium for the browser journeys (sudo apt-get install chromium)"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "[prm] Chromium is missing: install it (e.g. 'apt-get install chromium') or set PRM_CHROMIUM" >&2
  exit 1
fi
