"""feed.json (JSON Feed 1.1) and events.json, validated against their JSON Schemas."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from publish_records import NOW, RSS_TITLE, events, items

from syncsvc.publish.jsonfeed import render_events_json, render_news_json
from syncsvc.publish.select import list_occurrences

ROOT = Path(__file__).resolve().parents[2]
JSONFEED_SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "jsonfeed-1.1.schema.json")
                             .read_text(encoding="utf-8"))
EVENTS_SCHEMA = json.loads((ROOT / "docs" / "events-json-schema.json").read_text("utf-8"))


def news_json(its=None) -> bytes:
    return render_news_json(items() if its is None else its, title="WIR in Idstein – Neuigkeiten",
                            home_page_url="https://termine.example/",
                            feed_url="https://termine.example/feed.json")


def events_json(evs=None) -> bytes:
    listed = list_occurrences(events() if evs is None else evs, NOW - timedelta(days=30),
                              NOW + timedelta(days=120), 100)
    return render_events_json(listed, title="WIR in Idstein – Termine",
                              home_page_url="https://termine.example/",
                              feed_url="https://termine.example/events.json")


def validate(doc: dict, schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(doc)


@pytest.fixture(scope="module")
def feed():
    data = news_json()
    return data, json.loads(data)


@pytest.fixture(scope="module")
def evs():
    data = events_json()
    return data, json.loads(data)


def test_feed_json_valid_jsonfeed_11(feed):
    data, doc = feed
    validate(doc, JSONFEED_SCHEMA)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["id"] for i in doc["items"]] == ["news-new", "news-evil", "news-old",
                                              "https://blog.example/undated"]
    first = doc["items"][0]
    assert first["title"] == "Neues Programm für „WIR Café“"
    assert first["url"] == "https://ibb.example/news/programm"
    assert first["tags"] == ["Begegnung"]
    assert first["authors"] == [{"name": "Idstein bleibt bunt e.V.",
                                 "url": "https://ibb.example/termine/cafe"}]
    assert datetime.fromisoformat(first["date_published"]) == datetime.fromisoformat(
        "2026-02-20T16:30:00+00:00")
    assert [s["id"] for s in first["_syncsvc"]["sources"]] == ["ibb", "blog"]
    assert doc["items"][1]["title"] == RSS_TITLE


def test_umlauts_literal_and_bytes_stable(feed, evs):
    assert "„WIR Café“".encode() in feed[0]
    assert "Sprachcafé „Deutsch für alle“".encode() in evs[0]
    assert b"\\u00" not in feed[0] + evs[0]
    shuffled = items()
    random.Random(1).shuffle(shuffled)
    assert news_json(shuffled) == feed[0]
    shuffled_events = events()
    random.Random(2).shuffle(shuffled_events)
    assert events_json(shuffled_events) == evs[0]


def test_events_json_matches_documented_schema(evs):
    _, doc = evs
    validate(doc, EVENTS_SCHEMA)
    starts = [e["start"] for e in doc["events"]]
    keys = [datetime.fromisoformat(s) if "T" in s else datetime.fromisoformat(s + "T00:00+02:00")
            for s in starts]
    assert keys == sorted(keys)


def test_events_json_local_times_and_all_day(evs):
    _, doc = evs
    by_id = {e["id"]: e for e in doc["events"]}
    cafe = by_id["pub-cafe#2026-03-05T17:00:00Z"]
    assert cafe["start"] == "2026-03-05T18:00:00+01:00"
    assert cafe["end"] == "2026-03-05T20:00:00+01:00"
    assert cafe["all_day"] is False and cafe["timezone"] == "Europe/Berlin"
    after_dst = by_id["pub-cafe#2026-03-26T17:00:00Z"]
    assert after_dst["start"] == "2026-03-26T18:00:00+01:00"
    assert by_id["pub-cafe#2026-04-02T16:00:00Z"]["start"] == "2026-04-02T18:00:00+02:00"
    moved = by_id["pub-cafe#2026-03-12T18:00:00Z"]
    assert moved["title"] == "WIR Café (verlegt ins Bürgerhaus)"
    assert moved["location"] == "Bürgerhaus Idstein"
    fest = by_id["pub-fest#2026-06-13"]
    assert fest["all_day"] is True
    assert date.fromisoformat(fest["start"]) == date(2026, 6, 13)
    assert fest["end"] == "2026-06-15"
    assert fest["sources"] == [
        {"id": "stadt", "name": "Stadt Idstein", "url": "https://www.idstein.de/wir"},
        {"id": "caritas", "name": "Caritas Rheingau-Taunus", "url": ""}]
    assert fest["categories"] == ["Feste & Märkte", "Kultur"]
    london = next(e for e in doc["events"] if e["uid"] == "pub-london")
    assert london["start"] == "2026-04-20T17:00:00+01:00" and london["timezone"] == "Europe/London"
    assert not any(e["start"].startswith("2026-03-19") for e in doc["events"])


def test_events_json_horizon_excludes_old_one_offs(evs):
    _, doc = evs
    assert "pub-klausur" not in {e["uid"] for e in doc["events"]}
    assert min(e["start"] for e in doc["events"]).startswith("2026-02-05")


def test_schema_rejects_a_broken_document(evs):
    _, doc = evs
    broken = json.loads(json.dumps(doc))
    broken["events"][0]["start"] = "5.3.2026 18 Uhr"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, EVENTS_SCHEMA)
    feed = json.loads(news_json())
    del feed["items"][0]["id"]
    with pytest.raises(jsonschema.ValidationError):
        validate(feed, JSONFEED_SCHEMA)
