"""``[dedupe] title_threshold`` decides when two differently worded titles are one event."""

from __future__ import annotations

import pytest

from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import dedupe_events
from syncsvc.models import Event

SOURCES = {
    "stadt": SourceConfig("stadt", "Stadt Idstein", "https://idstein.example/a.ics", "ics", 10),
    "verein": SourceConfig("verein", "Netzwerk Ehrenamt", "https://v.example/a.ics", "ics", 5),
}
# "bürgerliches" / "bürgerschaftliches" are 81 % similar (rapidfuzz ratio)
PAIR = [Event(source_id="stadt", uid="w1", summary="Themenworkshop „Bürgerliches Engagement“",
              start="2025-02-20T17:00:00Z", location="Rathaus Idstein"),
        Event(source_id="verein", uid="w2", summary="Workshop: Bürgerschaftliches Engagement",
              start="2025-02-20T17:00:00Z", location="Rathaus, Sitzungssaal")]


@pytest.mark.parametrize("threshold, merged", [(70, True), (80, True), (85, False),
                                               (95, False)])
def test_the_threshold_decides_whether_a_rewording_is_the_same_title(threshold, merged):
    result = dedupe_events(PAIR, SOURCES, DedupeSettings(title_threshold=threshold))
    assert (len(result.published) == 1) == merged
    (match,) = result.matches
    assert match.merged == merged
    said = " ".join(match.reasons)
    if merged:
        assert f"≥ {threshold} %" in said
    else:
        assert "beide Titel haben eigene Wörter" in said
