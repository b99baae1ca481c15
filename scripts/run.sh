#!/usr/bin/env bash
# Set up and run the service on the bundled default config (offline: it reads only
# files under feeds/). Serves http://localhost:8080/ until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/syncsvc --config config/syncsvc.toml run "$@"
