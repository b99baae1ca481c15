"""normalize_events / normalize_items: instants, clean text, categories, dedupe, injection."""

from __future__ import annotations

import io
import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import icalendar

from syncsvc.config import SourceConfig
from syncsvc.models import RawEvent, RawItem
from syncsvc.normalize import normalize_events, normalize_items
from syncsvc.parse.ics import parse_ics

BERLIN = ZoneInfo("Europe/Berlin")
SOURCE = SourceConfig(id="ibb", name="Idstein bleibt bunt e.V.", url="https://ibb.example/cal.ics",
                      kind="ics", categories=("Begegnung", "Kultur"))
DATA = Path(__file__).parents[1] / "data" / "ics"


def one(raw: RawEvent, tz: str = "Europe/Berlin"):
    (event,) = normalize_events([raw], SOURCE, tz)
    return event


def test_timed_instants_become_utc_strings_with_zone_kept():
    ev = one(RawEvent(uid="u1", summary="Workshop", start=datetime(2023, 7, 12, 18, tzinfo=BERLIN),
                      end=datetime(2023, 7, 12, 20, 30, tzinfo=BERLIN), tzid="Europe/Berlin"))
    assert (ev.start, ev.end, ev.all_day, ev.tzid) == (
        "2023-07-12T16:00:00Z", "2023-07-12T18:30:00Z", False, "Europe/Berlin")
    assert ev.source_id == "ibb" and ev.key == ("ibb", "u1", "")


def test_all_day_stays_a_date_and_unknown_zone_falls_back():
    ev = one(RawEvent(uid="u2", summary="Fest", start=date(2023, 6, 3), end=date(2023, 6, 4),
                      tzid="Mars/Olympus"))
    assert (ev.start, ev.end, ev.all_day, ev.tzid) == ("2023-06-03", "2023-06-04", True,
                                                       "Europe/Berlin")


def test_mixed_or_reversed_end_is_dropped():
    start = datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert one(RawEvent(uid="a", summary="x", start=start, end=date(2024, 1, 2))).end == ""
    assert one(RawEvent(uid="b", summary="x", start=start,
                        end=datetime(2024, 1, 1, 9, tzinfo=UTC))).end == ""


def test_recurrence_fields_become_instant_strings():
    ev = one(RawEvent(
        uid="s", summary="Kurs", start=datetime(2024, 9, 2, 10, tzinfo=BERLIN),
        rrule="FREQ=WEEKLY;BYDAY=MO", exdates=(datetime(2024, 9, 30, 10, tzinfo=BERLIN),
                                               datetime(2024, 9, 30, 10, tzinfo=BERLIN)),
        rdates=(date(2024, 12, 19),), recurrence_id=datetime(2024, 9, 9, 8, tzinfo=UTC)))
    assert ev.rrule == "FREQ=WEEKLY;BYDAY=MO"
    assert ev.exdates == ("2024-09-30T08:00:00Z",)  # duplicates collapse
    assert ev.rdates == ("2024-12-19",)
    assert ev.recurrence_id == "2024-09-09T08:00:00Z"
    assert ev.key == ("ibb", "s", "2024-09-09T08:00:00Z")


def test_titles_are_one_clean_line_with_german_text_intact():
    decomposed = unicodedata.normalize("NFD", "Straßenfest „Grüße“ für Jüngere")
    ev = one(RawEvent(uid="t", summary=f"  <b>{decomposed}</b>\t\x07 ", start=date(2024, 1, 1),
                      location="Bürgerhaus,\r\n  Saal <i>2</i>"))
    assert ev.summary == "Straßenfest „Grüße“ für Jüngere"
    assert ev.summary == unicodedata.normalize("NFC", ev.summary)
    assert ev.location == "Bürgerhaus, Saal 2"


def test_crlf_begin_vevent_title_cannot_create_a_component():
    body = (DATA / "crlf_injection_summary.ics").read_bytes()
    (ev,) = normalize_events(parse_ics(body, "ibb", "Europe/Berlin").events, SOURCE,
                             "Europe/Berlin")
    assert "\n" not in ev.summary and "\r" not in ev.summary
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//")
    cal.add("version", "2.0")
    vevent = icalendar.Event()
    vevent.add("uid", ev.uid)
    vevent.add("summary", ev.summary)
    vevent.add("description", ev.description)
    vevent.add("dtstart", datetime(2024, 5, 10, 10, tzinfo=UTC))
    cal.add_component(vevent)
    back = icalendar.Calendar.from_ical(cal.to_ical())
    (only,) = back.walk("VEVENT")
    assert str(only["SUMMARY"]) == ev.summary
    assert "<script" not in ev.description_html and "javascript:" not in ev.description_html


def test_xml_breakers_in_titles_survive_an_rss_round_trip():
    item_in = RawItem(guid="g1", title="Vortrag ]]> und </item><item> danach",
                      link="https://x.example/v", summary="<p>Text ]]></item></p>")
    (item,) = normalize_items([item_in], SOURCE)
    assert item.title == "Vortrag ]]> und </item><item> danach"
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "t"
    node = ET.SubElement(channel, "item")
    ET.SubElement(node, "title").text = item.title
    ET.SubElement(node, "description").text = item.summary_html
    parsed = feedparser.parse(io.BytesIO(ET.tostring(rss, encoding="utf-8")))
    assert len(parsed.entries) == 1 and parsed.entries[0].title == item.title
    assert parsed.entries[0].summary == item.summary_html == "<p>Text ]]&gt;</p>"


def test_description_gives_sanitized_html_and_plain_text():
    ev = one(RawEvent(uid="d", summary="x", start=date(2024, 1, 1),
                      description='<p>Hallo <a href="/mehr" onclick="x()">mehr</a></p>'
                                  '<script>alert(1)</script>', url="https://ibb.example/e/1"))
    assert ev.description_html == ('<p>Hallo <a href="https://ibb.example/mehr" '
                                   'rel="noopener nofollow">mehr</a></p>')
    assert ev.description == "Hallo mehr"


def test_plain_text_description_keeps_its_line_breaks_in_html():
    ev = one(RawEvent(uid="p", summary="x", start=date(2024, 1, 1),
                      description="Zeile 1 & mehr\nZeile 2 <3"))
    assert ev.description == "Zeile 1 & mehr\nZeile 2 <3"
    assert ev.description_html == "Zeile 1 &amp; mehr<br>Zeile 2 &lt;3"


def test_urls_and_status_are_filtered():
    ev = one(RawEvent(uid="u", summary="x", start=date(2024, 1, 1), url="javascript:alert(1)",
                      status="weird"))
    assert ev.url == "" and ev.status == "CONFIRMED"
    assert one(RawEvent(uid="c", summary="x", start=date(2024, 1, 1),
                        status="CANCELLED")).status == "CANCELLED"


def test_categories_merge_source_first_deduplicated():
    ev = one(RawEvent(uid="k", summary="x", start=date(2024, 1, 1),
                      categories=("kultur", "Sport", " <b>Sport</b> ", "", "Familie")))
    assert ev.categories == ("Begegnung", "Kultur", "Sport", "Familie")


def test_duplicate_keys_keep_highest_sequence():
    start = date(2024, 1, 1)
    raws = [RawEvent(uid="dup", summary="alt", start=start, sequence=1),
            RawEvent(uid="other", summary="anders", start=start),
            RawEvent(uid="dup", summary="neu", start=start, sequence=3),
            RawEvent(uid="dup", summary="älter", start=start, sequence=2),
            RawEvent(uid="dup", summary="override", start=start,
                     recurrence_id=date(2024, 1, 8))]
    events = normalize_events(raws, SOURCE, "Europe/Berlin")
    assert [(e.uid, e.summary) for e in events] == [
        ("dup", "neu"), ("other", "anders"), ("dup", "override")]


def test_empty_title_and_overflowing_values():
    ev = one(RawEvent(uid="e", summary=" \x00 ", start=date(2024, 1, 1)))
    assert ev.summary == "(ohne Titel)"
    long = one(RawEvent(uid="l", summary="Sehr " * 200, start=date(2024, 1, 1)))
    assert len(long.summary) <= 200 and long.summary.endswith("…")


def test_items_normalize_published_link_author_and_dedupe():
    items = normalize_items([
        RawItem(guid="g", title="Erste", link="https://ibb.example/n/1",
                published=datetime(2024, 6, 1, 10, tzinfo=BERLIN), author="Anna\nMüller",
                categories=("Kultur", "Presse")),
        RawItem(guid="g", title="Erste", link="https://ibb.example/n/1"),  # a true repeat
        RawItem(guid="h", title="", summary="<p>Nur Text</p>", link="ftp://x"),
    ], SOURCE)
    first, second = items
    assert (first.title, first.published, first.author) == (
        "Erste", "2024-06-01T08:00:00Z", "Anna Müller")
    assert first.categories == ("Begegnung", "Kultur", "Presse")
    assert (second.guid, second.title, second.link, second.published) == ("h", "Nur Text", "", "")


def test_a_guid_reused_for_another_article_keeps_both():
    """Feed readers show both entries; dropping the second hid an article."""
    items = normalize_items([
        RawItem(guid="post", title="Sommerfest", link="https://ibb.example/sommerfest"),
        RawItem(guid="post", title="Kleiderkammer zu", link="https://ibb.example/kleider"),
    ], SOURCE)
    assert [i.title for i in items] == ["Sommerfest", "Kleiderkammer zu"]
    assert items[0].guid == "post" and items[1].guid.startswith("post#")
    again = normalize_items([
        RawItem(guid="post", title="Sommerfest", link="https://ibb.example/sommerfest"),
        RawItem(guid="post", title="Kleiderkammer zu", link="https://ibb.example/kleider"),
    ], SOURCE)
    assert [i.guid for i in again] == [i.guid for i in items]  # stable across syncs
