#!/usr/bin/env bash
# Set up and run the whole test suite (what CI runs; the README's test command).
# Needs Python 3.11+. Node/npm (ical.js checks) and Debian's chromium (browser tests)
# are used when present; set SYNCSVC_REQUIRE_NODE=1 / SYNCSVC_REQUIRE_BROWSER=1 to make
# their absence a failure instead of a skip (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi
.venv/bin/ruff check .
.venv/bin/mypy  # checks syncsvc ([tool.mypy] in pyproject.toml)
.venv/bin/python -m pytest "$@"
