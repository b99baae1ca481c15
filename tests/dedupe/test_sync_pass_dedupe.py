"""A sync pass dedupes without explanations (``explain=False``) and publishes the same.

The daemon threw the pairwise explanations away, but computed them: at 100k generated
events 110,000 of 115,000 candidates were titles with different numbers ("Gruppe 3-1" /
"Gruppe 3-2"), each scored, worded and kept as a ``Match`` only for ``syncsvc explain``.
Without them dedupe took 25 % less time. These tests pin that skipping them changes no
published entry, on the labelled producer-style set and on generated networks whose
number-vetoed pairs are planted.
"""

from __future__ import annotations

import pytest
from test_dedupe_labelled import SOURCES as LABELLED_SOURCES
from test_dedupe_labelled import load_events

from bench import world
from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import dedupe_events
from syncsvc.models import Event
from syncsvc.recur.expand import occurrences

NUMBER_VETO = "andere Nummer im Titel"


def both(events, sources):
    full = dedupe_events(events, sources, DedupeSettings(), expand=occurrences)
    sync = dedupe_events(events, sources, DedupeSettings(), expand=occurrences, explain=False)
    return full, sync


def test_labelled_set_publishes_the_same_without_explanations():
    full, sync = both(load_events(), LABELLED_SOURCES)
    assert full.matches and sync.matches == ()
    assert sync.published == full.published
    assert sync.overruled == full.overruled


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_generated_network_publishes_the_same_without_explanations(seed):
    w = world.build(12, 60, seed=seed)
    sources = {sid: SourceConfig(sid, name, f"https://{sid}.example/cal.ics", "ics", 10 + n % 5)
               for n, (sid, name) in enumerate(w.partners.items())}
    full, sync = both(w.events(), sources)
    assert sync.published == full.published
    assert any(m.merged for m in full.matches)  # the network has copies to merge


def test_numbered_titles_stay_apart_without_being_scored():
    t = "2027-03-17T17:00:00Z"
    src = {s: SourceConfig(s, s.upper(), f"https://{s}.example/a.ics", "ics", 5)
           for s in ("vhs", "kirche", "caritas")}
    events = [Event("vhs", "a", "Deutschkurs B1 Modul 1", t, location="VHS, Raum 2"),
              Event("kirche", "b", "Deutschkurs B1 Modul 2", t, location="VHS, Raum 2"),
              Event("caritas", "c", "Deutschkurs B1 Modul 1", t, location="VHS, Raum 2")]
    full, sync = both(events, src)
    assert any(NUMBER_VETO in " ".join(m.reasons) for m in full.matches)
    assert sync.published == full.published
    assert sorted(len(p.members) for p in sync.published) == [1, 2]  # module 1 merged, 2 apart


def test_a_number_on_one_side_only_is_still_scored_and_merged():
    # only *different* numbers on both sides are skipped: one title without any is a copy
    t = "2027-03-17T17:00:00Z"
    src = {s: SourceConfig(s, s.upper(), f"https://{s}.example/a.ics", "ics", 5)
           for s in ("vhs", "kirche")}
    events = [Event("vhs", "a", "Nähcafé Treff 3", t, location="Familienzentrum, Raum 2"),
              Event("kirche", "b", "Nähcafé", t, location="Familienzentrum, Raum 2")]
    full, sync = both(events, src)
    assert len(sync.published) == len(full.published) == 1
