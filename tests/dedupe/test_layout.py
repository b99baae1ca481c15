"""Dedupe's layout rules: small modules, structured log fields, one series expander."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import dedupe_events, dedupe_news
from syncsvc.models import Event, NewsItem

PACKAGE = Path(__file__).parents[2] / "syncsvc" / "dedupe"
SOURCES = {"a": SourceConfig("a", "A", "https://a.example/a.ics", "ics", 5)}


def test_no_dedupe_module_is_over_300_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.glob("*.py")}
    assert sizes and max(sizes.values()) <= 300, sizes


def test_no_dedupe_module_expands_series_itself():
    for p in PACKAGE.glob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    for a in n.names if (n.module or "").startswith(("dateutil",
                                                                      "recurring_ical"))}
        assert not imported, (p.name, imported)


def test_dedupe_logs_name_the_source_as_a_field(caplog):
    events = [Event(source_id="a", uid="1", summary="Sprachcafé", start="2027-01-07T14:00:00Z")]
    items = [NewsItem(source_id="a", guid="g", title="Neu", link="https://a.example/n",
                      published="gestern")]
    with caplog.at_level(logging.DEBUG, logger="syncsvc.dedupe"):
        dedupe_events(events, SOURCES, DedupeSettings())
        dedupe_news(items, SOURCES, DedupeSettings())
    records = [r for r in caplog.records if r.name.startswith("syncsvc.dedupe")]
    assert len(records) >= 3  # two summaries and the unreadable news date
    for r in records:
        assert getattr(r, "stage", None) == "dedupe" and getattr(r, "source", None)
        assert "source=" not in r.getMessage()
    assert {r.source for r in records} == {"*", "a"}
