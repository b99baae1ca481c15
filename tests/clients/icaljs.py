"""Mozilla's ical.js (Thunderbird's parser) in node, through ``tests/js/expand.mjs``.

One node process serves a whole batch (node start-up per file would cost more than the
expansion). The ical.js version is the one in ``tests/js/package-lock.json``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from . import bulk

NAME = "icaljs"
JS = Path(__file__).resolve().parents[1] / "js"
SCRIPT = JS / "expand.mjs"
REQUIRE_ENV = "SYNCSVC_REQUIRE_NODE"


def unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (JS / "node_modules" / "ical.js").is_dir():
        return "ical.js missing: run `npm ci --prefix tests/js`"
    return None


def run(jobs: list[dict], timeout: float) -> list[dict]:
    return bulk.run([shutil.which("node") or "node", str(SCRIPT)], jobs, timeout, cwd=str(JS))
