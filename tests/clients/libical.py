"""libical (as Evolution uses it) through GObject introspection, in Debian's Python.

The project venv is a pyenv Python without ``gi``, so ``libical_expand.py`` runs under
``/usr/bin/python3`` (Debian's python3-gi + gir1.2-ical-3.0) and serves a whole batch.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from . import bulk

NAME = "libical"
SCRIPT = Path(__file__).resolve().with_name("libical_expand.py")
PYTHON = os.environ.get("SYNCSVC_LIBICAL_PYTHON", "/usr/bin/python3")
REQUIRE_ENV = "SYNCSVC_REQUIRE_LIBICAL"
_PROBE = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
_missing: list[str | None] = []


def unavailable() -> str | None:
    if not _missing:
        if not os.access(PYTHON, os.X_OK):
            _missing.append(f"{PYTHON} not found (Debian python3)")
        else:
            probe = subprocess.run([PYTHON, "-c", _PROBE], capture_output=True, text=True,
                                   timeout=60, check=False)
            _missing.append(None if probe.returncode == 0 else
                            "libical GI bindings missing: apt-get install gir1.2-ical-3.0 "
                            f"python3-gi ({probe.stderr.strip().splitlines()[-1:]})")
    return _missing[0]


def run(jobs: list[dict], timeout: float) -> list[dict]:
    return bulk.run([PYTHON, "-I", str(SCRIPT)], jobs, timeout)
