"""The public pages under /termine/: what publish_all writes next to calendar.ics.

Every event page's JSON-LD is read with a real HTML parser and ``json`` and checked against
the published calendar (calendar.ics expanded by recurring-ical-events, events.json): same
instants, status and place. Each page's single-event .ics must parse to exactly its event.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
from publish_records import EVIL_TITLE, NOW, SOURCE_NAMES, events, items, settings

from syncsvc.publish import publish_all

CANCELLED_AT = "2026-03-26T17:00:00Z"  # a café date the partner cancelled
MOVED_FROM, MOVED_TO = "2026-03-12T17:00:00Z", datetime(2026, 3, 12, 18, tzinfo=UTC)
XSS = "</script><script>alert(1)</script>"


def cafe_cancelled(evs):
    master = next(pe for pe in evs if pe.uid == "pub-cafe" and not pe.event.recurrence_id)
    ev = replace(master.event, rrule="", exdates=(), start=CANCELLED_AT,
                 end="2026-03-26T19:00:00Z", recurrence_id=CANCELLED_AT, status="CANCELLED")
    return replace(master, event=ev, sequence=3)


def all_events():
    evs = events()
    evs.append(cafe_cancelled(evs))
    sprach = next(i for i, pe in enumerate(evs) if pe.uid == "pub-sprach")
    pe = evs[sprach]
    evs[sprach] = replace(pe, event=replace(pe.event, description=f"Hinweis {XSS} & mehr"))
    return evs


def publish(tmp: Path, evs=None, now=NOW, **kw):
    return publish_all(all_events() if evs is None else evs, items(),
                       settings(tmp, **kw), now=now, source_names=SOURCE_NAMES)


@pytest.fixture
def out(tmp_path):
    result = publish(tmp_path, impressum_url="https://www.idstein.de/impressum",
                     datenschutz_url="https://www.idstein.de/datenschutz")
    return tmp_path / "public", result


class Page(HTMLParser):
    """Tags, links, visible text and JSON-LD blocks of one page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.ld: list[str] = []
        self.text = ""
        self._in_ld = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_ld = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._in_ld:
            self.ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.ld[-1] += data
        else:
            self.text += data

    def hrefs(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "a" and "href" in a]


def read(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def event_pages(root: Path) -> list[Path]:
    return sorted((root / "termine" / "e").glob("*.html"))


def calendar_occurrences(root: Path) -> dict[tuple[str, datetime | date], icalendar.Event]:
    cal = icalendar.Calendar.from_ical((root / "calendar.ics").read_bytes())
    occ = recurring_ical_events.of(cal).between(datetime(2026, 1, 1), datetime(2028, 1, 1))
    return {(str(c["UID"]), c.decoded("dtstart")): c for c in occ}


def instant(value: str) -> datetime | date:
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def test_every_event_page_json_ld_matches_the_calendar(out):
    root, _ = out
    listed = json.loads((root / "events.json").read_bytes())["events"]
    cal = calendar_occurrences(root)
    pages = event_pages(root)
    assert len(pages) == len(listed) > 5  # one page per listed occurrence
    by_start = {(e["uid"], instant(e["start"])): e for e in listed}
    for path in pages:
        page = read(path)
        assert len(page.ld) == 1, path
        ld = json.loads(page.ld[0])
        assert ld["@type"] == "Event" and ld["inLanguage"] == "de"
        assert ld["url"] == "https://termine.example/termine/e/" + path.name
        start = instant(ld["startDate"])
        uid = next(u for (u, s) in by_start if s == start and by_start[(u, s)]["title"]
                   == ld["name"])
        entry = by_start[(uid, start)]
        vevent = cal[(uid, start)]
        assert vevent.decoded("dtstart") == start
        if isinstance(start, datetime):
            assert start.utcoffset() is not None
            assert instant(ld["endDate"]) == vevent.decoded("dtend") == instant(entry["end"])
        status = str(vevent.get("STATUS", "CONFIRMED"))
        assert (ld["eventStatus"] == "https://schema.org/EventCancelled") == (
            status == "CANCELLED")
        if entry["location"]:
            assert ld["location"]["@type"] == "Place"
            assert str(vevent["LOCATION"]) == entry["location"]
            assert entry["location"].startswith(ld["location"]["name"].split(",")[0])


def ld_of(root: Path, name: str, day: str) -> tuple[Path, dict]:
    for path in event_pages(root):
        ld = json.loads(read(path).ld[0])
        if ld["name"] == name and ld["startDate"].startswith(day):
            return path, ld
    raise AssertionError(f"no page for {name} on {day}")


def test_cancelled_and_moved_cafe_dates_carry_their_event_status(out):
    root, _ = out
    path, ld = ld_of(root, "WIR Café", "2026-03-26")
    assert ld["eventStatus"] == "https://schema.org/EventCancelled"
    assert "Abgesagt" in read(path).text
    path, ld = ld_of(root, "WIR Café (verlegt ins Bürgerhaus)", "2026-03-12")
    assert ld["eventStatus"] == "https://schema.org/EventRescheduled"
    assert instant(ld["startDate"]) == MOVED_TO
    assert instant(ld["previousStartDate"]) == instant(MOVED_FROM)
    assert ld["location"] == {"@type": "Place", "name": "Bürgerhaus Idstein",
                              "address": "Bürgerhaus Idstein"}
    text = read(path).text
    assert "Verlegt" in text and "Donnerstag, 12. März 2026, 19:00–21:00 Uhr" in text
    _, ld = ld_of(root, "WIR Café", "2026-03-05")
    assert ld["eventStatus"] == "https://schema.org/EventScheduled"
    assert ld["startDate"] == "2026-03-05T18:00:00+01:00"
    assert ld["organizer"] == {"@type": "Organization", "name": "Idstein bleibt bunt e.V."}


def test_place_with_street_becomes_postal_address_and_osm_search_link(out):
    root, _ = out
    path, ld = ld_of(root, "Sprachcafé „Deutsch für alle“ – Übung macht Meister", "2026-03-05")
    assert ld["location"] == {"@type": "Place", "name": "Bürgerhaus", "address": {
        "@type": "PostalAddress", "streetAddress": "Löherplatz 1", "addressCountry": "DE"}}
    hrefs = read(path).hrefs()
    assert ("https://www.openstreetmap.org/search?query=B%C3%BCrgerhaus%2C+L%C3%B6herplatz+1"
            in hrefs)
    html_text = path.read_text(encoding="utf-8")
    assert "tile" not in html_text and "<img" not in html_text and "<iframe" not in html_text


def test_json_ld_cannot_be_closed_by_partner_text(out):
    root, _ = out
    path, ld = ld_of(root, "Sprachcafé „Deutsch für alle“ – Übung macht Meister", "2026-03-05")
    raw = path.read_text(encoding="utf-8")
    assert XSS not in raw and raw.count("<script") == 1  # only the JSON-LD block
    assert ld["description"] == f"Hinweis {XSS} & mehr"  # data intact after parsing
    assert "<b>Fragen</b>" in raw  # the sanitized description_html is shown as HTML


def test_hostile_title_is_escaped_everywhere(out):
    root, _ = out
    for path in [root / "termine/index.html", *event_pages(root)]:
        page = read(path)
        assert not any(t == "script" and a.get("type") != "application/ld+json"
                       for t, a in page.tags), path
    evil = next(p for p in event_pages(root) if "gehackt" in p.read_text(encoding="utf-8"))
    assert EVIL_TITLE.split()[0] in read(evil).text


def single(path: Path) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def test_each_page_single_ics_is_exactly_its_event(out):
    root, _ = out
    uids = set()
    for path in event_pages(root):
        ld = json.loads(read(path).ld[0])
        ics = path.with_suffix(".ics")
        assert ics.name in " ".join(read(path).hrefs())
        (ve,) = single(ics)
        assert "RRULE" not in ve and "RECURRENCE-ID" not in ve and "EXDATE" not in ve
        assert str(ve["SUMMARY"]) == ld["name"].replace("\r\n", "\n")  # iCalendar newline
        assert ve.decoded("dtstart") == instant(ld["startDate"])
        cancelled = ld["eventStatus"].endswith("EventCancelled")
        assert (str(ve.get("STATUS", "")) == "CANCELLED") == cancelled
        uids.add(str(ve["UID"]))
    assert len(uids) == len(event_pages(root))  # one UID per date: never replaces a series


def test_termine_lists_upcoming_by_day_with_german_dates_and_status(out):
    root, _ = out
    page = read(root / "termine/index.html")
    text = page.text
    assert "Donnerstag, 5. März 2026" in text and "18:00–20:00 Uhr" in text
    assert "Samstag, 13. Juni 2026" in text and "ganztägig, bis Sonntag, 14. Juni 2026" in text
    assert "Donnerstag, 26. Februar 2026" not in text  # over before now: not listed
    assert "Strategieklausur" not in text
    assert text.index("Donnerstag, 5. März 2026") < text.index("Donnerstag, 12. März 2026")
    assert "Abgesagt" in text and "Verlegt" in text
    assert "ursprünglich Donnerstag, 12. März 2026, 18:00 Uhr" in text
    hrefs = page.hrefs()
    assert "https://termine.example/termine/kategorie/feste-maerkte.html" in hrefs
    assert "https://termine.example/termine/partner/caritas.html" in hrefs
    assert "https://termine.example/termine/monat/2026-06.html" in hrefs
    assert "https://www.idstein.de/impressum" in hrefs
    assert "https://www.idstein.de/datenschutz" in hrefs
    assert ("html", {"lang": "de"}) in page.tags
    assert not any(t == "script" for t, _ in page.tags)


def test_filter_pages_hold_only_their_events(out):
    root, _ = out
    cat = read(root / "termine/kategorie/feste-maerkte.html").text
    assert "Stadtfest Idstein" in cat and "WIR Café" not in cat
    partner = read(root / "termine/partner/caritas.html").text
    assert "Sprachcafé" in partner and "Stadtfest Idstein" in partner
    assert "WIR Café" not in partner
    month = read(root / "termine/monat/2026-04.html").text
    assert "Partnerstadt-Call" in month and "Stadtfest" not in month
    assert "Montag, 20. April 2026" in month and "18:00–19:00 Uhr" in month  # Berlin time
    network = read(root / "termine/kategorie/netzwerk.html").text
    assert "Partnerstadt-Call" in network and "Strategieklausur" not in network  # past
    assert (root / "termine/abonnieren.html").is_file()


def test_no_secret_or_source_url_on_any_page(tmp_path):
    root = tmp_path / "public"
    publish(tmp_path)
    feeds = {"https://ibb.example/cal.ics", "https://idstein.example/s.ics",
             "https://c.example/c.ics", "https://blog.example/feed"}
    for path in root.joinpath("termine").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not any(url in text for url in feeds), path


def test_pages_are_byte_stable(tmp_path):
    first = publish(tmp_path)
    again = publish(tmp_path)
    pages = [p for p in first.written if p.startswith("termine/")]
    assert len(pages) > 20
    assert not [p for p in again.written if p.startswith("termine/")]


def test_changed_partner_event_changes_page_calendar_and_json_together(tmp_path):
    root = tmp_publish = tmp_path / "public"
    publish(tmp_path)
    evs = all_events()
    i = next(i for i, pe in enumerate(evs) if pe.uid == "pub-sprach")
    evs[i] = replace(evs[i], event=replace(evs[i].event, location="Rathaus, König-Adolf-Platz 2"),
                     sequence=1)
    result = publish(tmp_path, evs)
    changed = set(result.written)
    page = next(p for p in changed if p.startswith("termine/e/") and p.endswith(".html")
                and "Sprachcaf" in (root / p).read_text(encoding="utf-8"))
    assert {"calendar.ics", "events.json", page, page[:-5] + ".ics",
            "termine/index.html"} <= changed
    assert "König-Adolf-Platz 2" in (tmp_publish / page).read_text(encoding="utf-8")
    assert "König-Adolf-Platz 2" in (root / "calendar.ics").read_text(encoding="utf-8")
    assert "König-Adolf-Platz 2" in (root / "events.json").read_text(encoding="utf-8")
    untouched = [p for p in changed if p.startswith("termine/e/") and "Stadtfest" in
                 (root / p).read_text(encoding="utf-8")]
    assert not untouched  # other events' pages keep their bytes


def test_past_event_page_removed_with_its_occurrence(tmp_path):
    root = tmp_path / "public"
    publish(tmp_path)
    later = publish(tmp_path, now=datetime(2026, 7, 1, tzinfo=UTC))
    assert any(p.startswith("termine/e/") for p in later.removed)
    assert not read(root / "termine/index.html").text.count("Stadtfest Idstein")


def test_single_event_ics_reusing_the_views_vevent_is_byte_identical(tmp_path: Path):
    """A one-off's single-event .ics reuses the VEVENT the calendar views serialized; the
    bytes must be those of rendering it on its own."""
    from syncsvc.publish.ics import vevent_blocks
    from syncsvc.publish.localize import Localizer
    from syncsvc.publish.pages.event import render_ics, single_event
    from syncsvc.publish.pages.layout import site_of
    from syncsvc.publish.pages.model import entries
    from syncsvc.publish.select import select

    s = settings(tmp_path)
    sel = select(all_events(), NOW, NOW.replace(year=NOW.year - 1),
                 NOW.replace(year=NOW.year + 1), s.max_occurrences)
    loc, site = Localizer(), site_of(s)
    blocks = vevent_blocks(localizer=loc)
    one_offs = 0
    for e in entries(list(sel.listed), s.timezone, loc):
        reused = render_ics(e, site, s.timezone, s.interval_s, loc, blocks)
        alone = render_ics(e, site, s.timezone, s.interval_s, loc)
        assert reused == alone, e.ics
        one_offs += single_event(e) is e.listed.published
    assert one_offs >= 2  # the reuse path was taken
