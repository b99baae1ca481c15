"""``[dedupe] synonyms``: admin-editable equivalences, validated with a German message."""

from __future__ import annotations

import pytest

from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import dedupe_events
from syncsvc.errors import ConfigError
from syncsvc.models import Event

SOURCES = {"stadt": SourceConfig("stadt", "Stadt", "https://s.example/a.ics", "ics", 10),
           "ibb": SourceConfig("ibb", "IBB", "https://i.example/a.ics", "ics", 5)}
PAIR = [Event(source_id="stadt", uid="a", summary="Malkurs", start="2027-03-17T17:00:00Z",
              location="Killingerhaus"),
        Event(source_id="ibb", uid="b", summary="Painting class", start="2027-03-17T17:00:00Z",
              location="Killingerhaus")]


def test_a_synonym_group_makes_an_english_title_the_same_event():
    assert len(dedupe_events(PAIR, SOURCES, DedupeSettings()).published) == 2
    merged = DedupeSettings(synonyms=(("Malkurs", "Painting class"),))
    assert len(dedupe_events(PAIR, SOURCES, merged).published) == 1


def test_synonyms_load_from_the_dedupe_section(write_config):
    s = write_config(extra='[dedupe]\nsynonyms = [["Sprachcafé", "Language Café"], '
                           '["Malkurs", "Painting class", "Malwerkstatt"]]\n')
    assert s.dedupe.synonyms == (("Sprachcafé", "Language Café"),
                                 ("Malkurs", "Painting class", "Malwerkstatt"))


@pytest.mark.parametrize("bad", ['["Sprachcafé"]', '[["Sprachcafé"]]', '[["a", 3]]'])
def test_a_bad_synonym_group_is_reported_in_german(write_config, bad):
    with pytest.raises(ConfigError) as err:
        write_config(extra=f"[dedupe]\nsynonyms = {bad}\n")
    assert "'synonyms' Eintrag 1 muss eine Liste aus mindestens zwei Bezeichnungen" in str(
        err.value)
