"""Translated calendars through the real pipeline (issue 17): SQLite, HTTP, real parsers.

The bundled city schedule (with its authored translations of the WIR Café), a partner
served over HTTP on 127.0.0.1 (a weekly „Sprachcafé“ the translation memory knows, and a
one-off nobody translated) and a Ukrainian-language source are synced into a real SQLite
file and republished; the outputs are fetched from the real app over HTTP. /ar/ and
/uk/calendar.ics must list exactly the occurrences of /calendar.ics (icalendar with
recurring-ical-events, and Mozilla's ical.js), with the café's title in that language,
every SUMMARY labelled with the language it is written in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import Request, urlopen

import icalendar
import pytest
import recurring_ical_events

from syncsvc import config as cfg
from syncsvc.serve import make_app
from syncsvc.service.republish import republish
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

from conftest import running

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "tests" / "js"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC))
CAFE_AR, CAFE_UK = "مقهى WIR – ملتقى للجميع", "Кафе WIR – місце зустрічей для всіх"
SPRACH_AR = "مقهى اللغة"


def vcal(*events: list[str]) -> bytes:
    rows = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//DE"]
    for ev in events:
        rows += ["BEGIN:VEVENT", "DTSTAMP:20261101T000000Z", *ev, "END:VEVENT"]
    return ("\r\n".join([*rows, "END:VCALENDAR", ""])).encode("utf-8")


PARTNER = vcal(
    ["UID:sprach@verein", "SUMMARY:Sprachcafé", "DTSTART;TZID=Europe/Berlin:20261208T160000",
     "DTEND;TZID=Europe/Berlin:20261208T180000", "RRULE:FREQ=WEEKLY;COUNT=8",
     "LOCATION:Bürgerhaus, Löherplatz 1, 65510 Idstein"],
    ["UID:floh@verein", "SUMMARY:Kinderflohmarkt im Hof",
     "DTSTART;TZID=Europe/Berlin:20261212T100000", "DTEND;TZID=Europe/Berlin:20261212T130000",
     "DESCRIPTION:Spielsachen und Kleidung für Kinder."])
UKRAINIAN = vcal(
    ["UID:zustrich@ua", "SUMMARY:Зустріч української громади",
     "DTSTART;TZID=Europe/Berlin:20261213T150000", "DTEND;TZID=Europe/Berlin:20261213T170000",
     "DESCRIPTION:Чай\\, розмови та консультації."])


def write_config(root: Path, partner_url: str, ua_url: str) -> Path:
    feeds, conf = root / "feeds", root / "config"
    feeds.mkdir(parents=True)
    conf.mkdir()
    shutil.copyfile(ROOT / "config" / "schulferien-hessen.ics", conf / "schulferien-hessen.ics")
    shutil.copyfile(ROOT / "feeds" / "stadt-idstein.toml", feeds / "stadt-idstein.toml")
    (conf / "translations.toml").write_text('["Sprachcafé Idstein"]\nar = "مقهى اللغة"\n'
                                            'uk = "Мовне кафе"\n', encoding="utf-8")
    path = conf / "syncsvc.toml"
    path.write_text(f"""[service]
name = "WIR in Idstein"
output_dir = "../public"
database = "../var/syncsvc.db"
allow_private_networks = true
languages = ["de", "ar", "uk"]
translations = "translations.toml"

[[sources]]
id = "stadt"
name = "Stadt Idstein – WIR in Idstein"
url = "../feeds/stadt-idstein.toml"
kind = "schedule"
priority = 100

[[sources]]
id = "verein"
name = "Nachbarschaftsverein"
url = "{partner_url}"
kind = "ics"

[[sources]]
id = "ua"
name = "Українська громада Ідштайн"
url = "{ua_url}"
kind = "ics"
language = "uk"
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    from pytest_httpserver import HTTPServer

    partners = HTTPServer(host="127.0.0.1")
    partners.start()
    request.addfinalizer(partners.stop)
    partners.expect_request("/verein.ics").respond_with_data(PARTNER,
                                                             content_type="text/calendar")
    partners.expect_request("/ua.ics").respond_with_data(UKRAINIAN, content_type="text/calendar")
    root = tmp_path_factory.mktemp("languages")
    settings = cfg.load(write_config(root, partners.url_for("/verein.ics"),
                                     partners.url_for("/ua.ics")))
    with Store(settings.database) as store:
        reports = Pipeline(settings, store, clock=lambda: NOW).sync_all()
        assert all(r.ok for r in reports), [r.error for r in reports]
        republish(settings, store, NOW)
    with running(make_app(settings)) as base:
        yield base, settings


def get(base: str, path: str, **headers) -> bytes:
    with urlopen(Request(base + path, headers=headers), timeout=10) as r:
        return r.read()


def occurrences(cal: icalendar.Calendar) -> list[tuple]:
    out = []
    for comp in recurring_ical_events.of(cal).between(*WINDOW):
        start = comp.decoded("DTSTART")
        out.append((str(comp["UID"]), start.isoformat(), str(comp.get("STATUS", ""))))
    return sorted(out)


def summaries(cal: icalendar.Calendar) -> dict[str, tuple[str, str | None]]:
    """UID (masters only) → (SUMMARY, its LANGUAGE parameter)."""
    return {str(v["UID"]): (str(v["SUMMARY"]), v["SUMMARY"].params.get("LANGUAGE"))
            for v in cal.walk("VEVENT") if "RECURRENCE-ID" not in v}


def uid_of(cal: icalendar.Calendar, summary: str) -> str:
    return next(str(v["UID"]) for v in cal.walk("VEVENT") if str(v["SUMMARY"]) == summary)


@pytest.mark.parametrize(("lang", "cafe"), [("ar", CAFE_AR), ("uk", CAFE_UK)])
def test_translated_calendar_has_every_occurrence_and_the_translated_cafe(site, lang, cafe):
    base, _ = site
    german = icalendar.Calendar.from_ical(get(base, "/calendar.ics"))
    translated = icalendar.Calendar.from_ical(get(base, f"/{lang}/calendar.ics"))
    ours = occurrences(german)
    assert len(ours) > 20  # the café's months, the weekly Sprachcafé, the one-offs
    assert occurrences(translated) == ours
    names = summaries(translated)
    assert names[uid_of(german, "WIR Café")] == (cafe, lang)
    assert all(v["SUMMARY"].params.get("LANGUAGE") for v in translated.walk("VEVENT"))
    # the German calendar labels only the Ukrainian source's texts
    labelled = {str(v["SUMMARY"]) for v in german.walk("VEVENT")
                if "LANGUAGE" in v["SUMMARY"].params}
    assert labelled == {"Зустріч української громади"}


def test_partner_event_without_translation_stays_german_labelled_de(site):
    base, _ = site
    german = icalendar.Calendar.from_ical(get(base, "/calendar.ics"))
    arabic = icalendar.Calendar.from_ical(get(base, "/ar/calendar.ics"))
    floh = uid_of(german, "Kinderflohmarkt im Hof")
    assert summaries(arabic)[floh] == ("Kinderflohmarkt im Hof", "de")
    vevent = next(v for v in arabic.walk("VEVENT") if str(v["UID"]) == floh)
    assert vevent["DESCRIPTION"].params["LANGUAGE"] == "de"
    assert str(vevent["DESCRIPTION"]).startswith("Spielsachen und Kleidung")


def test_translation_memory_translates_the_partners_recurring_title(site):
    base, _ = site
    german = icalendar.Calendar.from_ical(get(base, "/calendar.ics"))
    arabic = icalendar.Calendar.from_ical(get(base, "/ar/calendar.ics"))
    sprach = uid_of(german, "Sprachcafé")  # memory key „Sprachcafé Idstein“ normalizes alike
    assert summaries(arabic)[sprach] == (SPRACH_AR, "ar")
    dates = [o for o in occurrences(arabic) if o[0] == sprach]
    assert len(dates) == 8  # every date of the series, one VEVENT with its RRULE
    doc = json.loads(get(base, "/ar/events.json"))
    rows = [e for e in doc["events"] if e["uid"] == sprach]
    assert len(rows) == 8 and {e["title"] for e in rows} == {SPRACH_AR}
    assert {e["title_language"] for e in rows} == {"ar"}


def test_source_in_another_language_is_labelled_in_the_german_views(site):
    base, _ = site
    german = icalendar.Calendar.from_ical(get(base, "/calendar.ics"))
    uid = uid_of(german, "Зустріч української громади")
    assert summaries(german)[uid] == ("Зустріч української громади", "uk")
    doc = json.loads(get(base, "/events.json"))
    row = next(e for e in doc["events"] if e["uid"] == uid)
    assert row["title_language"] == "uk" and row["description_language"] == "uk"
    page = get(base, "/termine/").decode()
    assert 'lang="uk"' in page


def icaljs(path: Path) -> dict:
    start, end = (w.strftime("%Y-%m-%dT%H:%M:%SZ") for w in WINDOW)
    proc = subprocess.run(["node", str(JS / "check_ics.mjs"), str(path), start, end],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(("lang", "cafe"), [("ar", CAFE_AR), ("uk", CAFE_UK)])
def test_icaljs_reads_the_same_occurrences_with_translated_titles(site, tmp_path, lang, cafe):
    if shutil.which("node") is None or not (JS / "node_modules" / "ical.js").is_dir():
        if os.environ.get("SYNCSVC_REQUIRE_NODE") == "1":
            pytest.fail("node/ical.js missing (SYNCSVC_REQUIRE_NODE=1)")
        pytest.skip("node or ical.js missing: run `npm ci --prefix tests/js`")
    base, _ = site
    (tmp_path / "de.ics").write_bytes(get(base, "/calendar.ics"))
    (tmp_path / "x.ics").write_bytes(get(base, f"/{lang}/calendar.ics"))
    german, translated = icaljs(tmp_path / "de.ics"), icaljs(tmp_path / "x.ics")
    key = sorted((o["uid"], o["start"]) for o in german["occurrences"])
    assert len(key) > 20
    assert sorted((o["uid"], o["start"]) for o in translated["occurrences"]) == key
    cafe_uid = next(t["uid"] for t in german["texts"] if t["summary"] == "WIR Café")
    titles = {(t["summary"], t["language"]) for t in translated["texts"]
              if t["uid"] == cafe_uid and t["recurrenceId"] is None}
    assert titles == {(cafe, lang)}
    assert all(t["language"] for t in translated["texts"])
