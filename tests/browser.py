"""Launch Debian's chromium through Playwright for the browser tests.

Skips with a clear reason when chromium (or playwright) is missing, unless
``SYNCSVC_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("SYNCSVC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SYNCSVC_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@contextmanager
def chromium_page(viewport: tuple[int, int] = (800, 600), **context_options) -> Iterator:
    """Yield a Playwright page in headless chromium with a throw-away profile.

    ``context_options`` go to ``launch_persistent_context`` (e.g. ``locale``, ``timezone_id``).
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("python package playwright not installed")
    with tempfile.TemporaryDirectory(prefix="syncsvc-chromium-") as profile, \
            sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": viewport[0], "height": viewport[1]},
            **context_options,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            yield page
        finally:
            context.close()


def screenshot_path(name: str) -> Path:
    """``artifacts/<name>`` in the repo (git-ignored), created on demand."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
