"""The record digests that key incremental publish (publish.memo.Members).

A digest that misses an input publishes a stale page, so each field of a record counts,
also when the record sits inside another one (a listed occurrence inside its published
entry) and also the authored translations, which ``repr`` leaves out. Equal records give
equal digests in any process, so an unchanged page keeps its key across runs.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from syncsvc.models import Event, PublishedEvent, SourceRef
from syncsvc.publish.common import Listed
from syncsvc.publish.memo import Members
from syncsvc.recur.expand import Occurrence

BERLIN = ZoneInfo("Europe/Berlin")
EVENT = Event("vhs", "s1", "Sprachcafé „Deutsch–Arabisch“", "2027-01-07T17:00:00Z",
              "2027-01-07T19:00:00Z", rrule="FREQ=WEEKLY", location="Killingerhaus")
PUBLISHED = PublishedEvent("u1@syncsvc", EVENT, (SourceRef("vhs", "VHS Idstein", ""),), ())


def listed(event: Event = EVENT, hour: int = 18, published: PublishedEvent = PUBLISHED):
    start = datetime(2027, 1, 14, hour, tzinfo=BERLIN)
    return Listed(Occurrence(event, start, start.replace(hour=hour + 2),
                             "2027-01-14T17:00:00Z"), published)


def digest(record) -> str:
    return Members().of(record)


def test_equal_records_have_equal_digests_and_every_field_counts():
    assert digest(listed()) == digest(listed())  # other objects, same content
    assert digest(listed(hour=19)) != digest(listed())  # the occurrence's own time
    other = replace(EVENT, location="Stadtbücherei")
    assert digest(listed(other)) != digest(listed())  # the defining record, nested
    assert digest(listed(published=replace(PUBLISHED, sequence=2))) != digest(listed())
    assert digest(replace(PUBLISHED, categories=("Sprache",))) != digest(PUBLISHED)


def test_authored_translations_count_although_repr_leaves_them_out():
    translated = replace(EVENT, translations=(("ar", "summary", "مقهى اللغة"),))
    assert repr(translated) == repr(EVENT)
    assert digest(translated) != digest(EVENT)
    assert digest(listed(translated)) != digest(listed())
    assert digest(replace(PUBLISHED, event=translated)) != digest(PUBLISHED)


def test_a_record_shared_by_many_occurrences_is_digested_once():
    members = Members()
    series = [listed(hour=h) for h in range(8, 20)]
    members.all(series)
    # 12 listed, and the one Event and published entry they all share (the entry holds
    # the same Event object): digested once each; each Occurrence goes in by its fields
    assert len(members._done) == 12 + 1 + 1


def test_a_digest_taken_once_keeps_nothing_new_and_equals_the_kept_one():
    members = Members()
    translated = replace(EVENT, summary="Language café")  # a page's own shown record
    page_like = Occurrence(translated, listed().occurrence.start, None, "k")
    assert members.once(page_like) == Members().of(page_like)
    assert not members._done  # the page's records are not held for the rest of the run
    members.all([listed()])
    kept = len(members._done)
    members.once(listed())  # an equal listed occurrence: its shared records are reused
    assert len(members._done) == kept


def test_digests_are_the_same_in_another_process():
    code = ("from test_members_digest import listed, digest; print(digest(listed()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=__file__.rsplit("/", 1)[0], check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == digest(listed())


def test_every_field_of_a_published_entry_counts():
    changed = [replace(PUBLISHED, uid="u2@syncsvc"),
               replace(PUBLISHED, dtstamp="2027-01-01T00:00:00Z"),
               replace(PUBLISHED, sources=(SourceRef("vhs", "VHS", ""),)),
               replace(PUBLISHED, members=(("caritas", "c1", ""),)),
               replace(PUBLISHED, event=replace(EVENT, summary="Sprachcafé"))]
    digests = {digest(p) for p in changed}
    assert len(digests) == len(changed) and digest(PUBLISHED) not in digests
    assert digest(PUBLISHED) != digest(EVENT)  # an entry is not its record
