#!/usr/bin/env bash
# Prepare a fresh machine: system packages, the virtualenv, translations, the database.
# Usage: scripts/setup.sh [--with-test-tools]
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST_TOOLS=0
[[ "${1:-}" == "--with-test-tools" ]] && WITH_TEST_TOOLS=1

# WeasyPrint needs Pango and HarfBuzz's subsetter; Korean PDFs need a CJK font
# (NanumGothic, found through fontconfig); compilemessages needs gettext; the browser
# tests need Debian's Chromium; the report worker tests start their own redis-server;
# poppler-utils (pdftotext, pdftoppm) reads and pictures a report by hand; the report
# benchmark measures against DejaVu Sans, a Latin-only font.
SYSTEM_PACKAGES=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-nanum)
if [[ $WITH_TEST_TOOLS == 1 ]]; then
  SYSTEM_PACKAGES+=(chromium fonts-noto-cjk wrk redis-server poppler-utils fonts-dejavu-core)
fi
missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if (( ${#missing[@]} )); then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) != 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"

if [[ $WITH_TEST_TOOLS == 1 ]]; then
  npm ci --no-audit --no-fund --silent
fi

.venv/bin/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules
