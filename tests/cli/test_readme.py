"""What the README tells admins and integrators about paths and the events.json horizon."""

from __future__ import annotations

import re

from syncsvc.config import Settings

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
TOP = ("bench/", "config/", "deploy/", "docs/", "feeds/", "scripts/", "syncsvc/", "tests/",
       "tools/")


def test_every_repository_path_the_readme_names_exists():
    named = {p for p in re.findall(r"`([^`\s]+)`", README)
             if p.startswith(TOP) and not set(p) & set("<>*")}  # no patterns (<date>)
    assert "docs/events-json-schema.json" in named
    missing = sorted(p for p in named if not (REPO / p.rstrip("/")).exists())
    assert missing == []


def test_events_json_is_not_called_upcoming_it_includes_the_past_days():
    [row] = [line for line in README.splitlines() if line.startswith("| `/events.json` |")]
    assert "past_days" in row and "past ones included" in row
    assert not row.removeprefix("| `/events.json` |").lstrip().startswith("upcoming")
    assert Settings.__dataclass_fields__["past_days"].default == 30  # the number in the row
    assert "(30)" in row
