"""Decoded records share their repeated strings (a publish holds every record at once)
and are still equal to what was stored."""

from __future__ import annotations

from syncsvc.models import Event, NewsItem
from syncsvc.store import event_from_json, event_to_json, item_from_json, item_to_json

TEXT = "„Elterncafé“ – offen für alle, Übersetzung ins Arabische möglich."


def _event(uid: str, html: str = TEXT) -> Event:
    return Event(source_id="diakonie-idstein", uid=uid, summary="Elterncafé",
                 start="2027-05-18T17:15:00Z", end="2027-05-18T18:15:00Z",
                 tzid="Europe/Berlin", description=TEXT, description_html=html,
                 location="Zehntscheune Idstein", categories=("Begegnung", "Familie"))


def test_decoded_event_equals_the_stored_one_with_umlauts_and_quotes():
    ev = _event("a@x")
    back = event_from_json(event_to_json(ev))
    assert back == ev and back.description.startswith("„Elterncafé“")


def test_html_equal_to_the_plain_text_is_one_string():
    back = event_from_json(event_to_json(_event("a@x")))
    assert back.description_html is back.description
    marked = event_from_json(event_to_json(_event("b@x", html=f"<p>{TEXT}</p>")))
    assert marked.description_html == f"<p>{TEXT}</p>"
    assert marked.description_html is not marked.description


def test_records_share_source_zone_place_and_categories():
    a, b = (event_from_json(event_to_json(_event(uid))) for uid in ("a@x", "b@x"))
    for name in ("source_id", "tzid", "status", "location"):
        assert getattr(a, name) is getattr(b, name), name
    assert all(x is y for x, y in zip(a.categories, b.categories, strict=True))
    assert a.uid == "a@x" and b.uid == "b@x"


def test_news_summary_shares_its_html_twin():
    item = NewsItem(source_id="tafel", guid="g1", title="Ausgabe", summary=TEXT,
                    summary_html=TEXT)
    back = item_from_json(item_to_json(item))
    assert back == item and back.summary_html is back.summary
