"""Every calendar and feed in ../shared/corpus goes through parse + normalize.

Only ParseError may escape (a body that is no usable calendar/feed); anything else is
a crash. Each file has its own test with a timeout, so a hang names the file. The
counts of files yielding at least one record are printed at the end (pytest -s) and
checked against a floor so a regression that silently drops records fails.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from syncsvc.config import SourceConfig
from syncsvc.errors import ParseError
from syncsvc.normalize import normalize_events, normalize_items
from syncsvc.parse.feed import parse_feed
from syncsvc.parse.ics import parse_ics

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
ICS_EXT = {".ics", ".ifb"}
FEED_EXT = {".xml", ".rdf", ".atom", ".rss"}
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in ICS_EXT | FEED_EXT
               ) if CORPUS.is_dir() else []
# Floors measured on the corpus at the time of writing (ics 347/465, feeds 1154/1718).
MIN_NONEMPTY = {"ics": 340, "feed": 1150}

RESULTS: Counter = Counter()

pytestmark = [
    pytest.mark.skipif(not FILES, reason=f"corpus not found at {CORPUS}"),
    pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed"),
]


def _kind(path: Path) -> str:
    return "ics" if path.suffix.lower() in ICS_EXT else "feed"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_parses_without_crash(path: Path):
    kind = _kind(path)
    source = SourceConfig(id="corpus", name="Korpus", url="https://corpus.example/feed",
                          kind=kind, categories=("Test",))
    body = path.read_bytes()
    RESULTS[f"{kind}:files"] += 1
    try:
        if kind == "ics":
            records = normalize_events(parse_ics(body, "corpus", "Europe/Berlin").events,
                                       source, "Europe/Berlin")
        else:
            records = normalize_items(parse_feed(body, "corpus", source.url).items, source)
    except ParseError as e:
        RESULTS[f"{kind}:parse_error"] += 1
        assert e.source_id == "corpus" and e.message
        return
    RESULTS[f"{kind}:nonempty"] += bool(records)
    RESULTS[f"{kind}:records"] += len(records)
    for record in records:
        text = record.summary if kind == "ics" else record.title
        assert text and "\n" not in text and "\r" not in text


def test_corpus_counts():
    """Runs after the per-file tests (same module, defined last)."""
    if RESULTS["ics:files"] + RESULTS["feed:files"] < len(FILES):
        pytest.skip("per-file corpus tests were deselected")
    for kind in ("ics", "feed"):
        line = (f"corpus {kind}: {RESULTS[f'{kind}:files']} files, "
                f"{RESULTS[f'{kind}:nonempty']} with >=1 record, "
                f"{RESULTS[f'{kind}:records']} records, "
                f"{RESULTS[f'{kind}:parse_error']} ParseError")
        print(line)  # noqa: T201 - the count is the test's report (pytest -s)
        assert RESULTS[f"{kind}:nonempty"] >= MIN_NONEMPTY[kind], line
