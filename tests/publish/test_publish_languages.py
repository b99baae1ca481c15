"""publish_all with languages: German outputs keep their bytes; translated views are
complete, labelled and valid; the translation memory applies by normalized title."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import icalendar
import jsonschema
from publish_records import NOW, SOURCE_NAMES, events, items, settings

from syncsvc.config import SourceConfig
from syncsvc.publish import publish_all
from syncsvc.publish.memory import read_memory

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "events-json-schema.json").read_text(encoding="utf-8"))
CAFE = (("ar", "مقهى WIR", "لقاء مفتوح للجميع."), ("en", "WIR Café (meeting place)", ""))
# written differently from the partner's „Sprachcafé „Deutsch für alle“ – Übung macht Meister“
MEMORY = read_memory({"SPRACHCAFÉ: Deutsch für alle, Übung macht Meister!": {"ar": "مقهى اللغة"}},
                     [])


def translated():
    return [replace(pe, event=replace(pe.event, translations=CAFE))
            if pe.uid == "pub-cafe" else pe for pe in events()]


def publish(tmp: Path, languages: tuple[str, ...], **kw) -> Path:
    s = replace(settings(tmp), languages=languages)
    publish_all(translated(), items(), s, now=NOW, source_names=SOURCE_NAMES, **kw)
    return tmp / "public"


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file()}


def test_languages_leave_every_german_feed_byte_for_byte(tmp_path):
    alone = files(publish(tmp_path / "a", ("de",)))
    many = files(publish(tmp_path / "b", ("de", "ar", "en"), memory=MEMORY))
    feeds = [p for p in alone if not p.startswith("termine/") and p != "views.json"]
    assert "calendar.ics" in feeds and "events.json" in feeds and len(feeds) > 10
    assert {p: many[p] for p in feeds} == {p: alone[p] for p in feeds}
    assert {"ar/calendar.ics", "ar/events.json", "ar/termine/index.html",
            "en/calendar.ics"} <= set(many)


def test_translated_calendar_labels_every_text(tmp_path):
    root = publish(tmp_path, ("de", "ar"), memory=MEMORY)
    cal = icalendar.Calendar.from_ical((root / "ar/calendar.ics").read_bytes())
    by_uid = {(str(v["UID"]), "RECURRENCE-ID" in v): v for v in cal.walk("VEVENT")}
    cafe = by_uid["pub-cafe", False]
    assert (str(cafe["SUMMARY"]), cafe["SUMMARY"].params["LANGUAGE"]) == ("مقهى WIR", "ar")
    assert cafe["DESCRIPTION"].params["LANGUAGE"] == "ar"
    assert "الجهة المنظِّمة: Idstein bleibt bunt e.V." in str(cafe["DESCRIPTION"])
    sprach = by_uid["pub-sprach", False]  # memory: the title as dedupe normalizes it
    assert (str(sprach["SUMMARY"]), sprach["SUMMARY"].params["LANGUAGE"]) == ("مقهى اللغة", "ar")
    fest = by_uid["pub-fest", False]
    assert (str(fest["SUMMARY"]), fest["SUMMARY"].params["LANGUAGE"]) == ("Stadtfest Idstein",
                                                                          "de")
    assert str(cal["X-WR-CALNAME"]) == "WIR in Idstein – المواعيد"


def test_translated_events_json_is_valid_and_says_each_texts_language(tmp_path):
    root = publish(tmp_path, ("de", "ar"))
    doc = json.loads((root / "ar/events.json").read_bytes())
    jsonschema.validate(doc, SCHEMA)
    jsonschema.validate(json.loads((root / "events.json").read_bytes()), SCHEMA)
    assert (doc["language"], doc["writing_direction"]) == ("ar", "rtl")
    assert doc["labels"]["cancelled"] == "أُلغي:"
    rows = {e["uid"]: e for e in doc["events"]}
    assert (rows["pub-cafe"]["title"], rows["pub-cafe"]["title_language"]) == ("مقهى WIR", "ar")
    assert rows["pub-cafe"]["description_html"] == ""  # the translation is plain text
    assert rows["pub-fest"]["title_language"] == "de"
    german = json.loads((root / "events.json").read_bytes())
    assert all("title_language" not in e for e in german["events"])


def test_a_source_in_another_language_is_labelled_even_in_german(tmp_path):
    s = settings(tmp_path)
    s = replace(s, sources=(SourceConfig("caritas", "Caritas", "https://c.example/", "ics",
                                         language="uk"),))
    publish_all(events(), items(), s, now=NOW, source_names=SOURCE_NAMES)
    cal = icalendar.Calendar.from_ical((tmp_path / "public/calendar.ics").read_bytes())
    labels = {str(v["UID"]): v["SUMMARY"].params.get("LANGUAGE") for v in cal.walk("VEVENT")}
    assert labels["pub-sprach"] == "uk" and labels["pub-cafe"] is None


def test_a_language_dropped_from_the_config_leaves_no_files_behind(tmp_path):
    root = publish(tmp_path, ("de", "ar", "uk"))
    assert (root / "ar/termine/index.html").is_file()
    s = replace(settings(tmp_path), languages=("de", "uk"))
    result = publish_all(translated(), items(), s, now=NOW, source_names=SOURCE_NAMES)
    assert "ar/calendar.ics" in result.removed and "ar/termine/index.html" in result.removed
    assert not (root / "ar").exists()
    assert (root / "uk/calendar.ics").is_file() and (root / "calendar.ics").is_file()
