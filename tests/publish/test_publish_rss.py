"""news.rss and events.rss: parsed back with feedparser (no bozo) and a strict XML parser."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from publish_records import EVIL_TITLE, NOW, RSS_TITLE, events, items

from syncsvc.publish.rss import render_events_rss, render_news
from syncsvc.publish.select import list_occurrences
from syncsvc.recur.vevent import parse_instant

ATOM = "{http://www.w3.org/2005/Atom}"


def news(its=None) -> bytes:
    return render_news(items() if its is None else its, title="WIR in Idstein – Neuigkeiten",
                       link="https://termine.example/",
                       self_url="https://termine.example/news.rss",
                       description="Neuigkeiten der Partner")


def upcoming():
    listed = list_occurrences(events(), NOW, NOW + timedelta(days=120), 100)
    return render_events_rss(listed, title="WIR in Idstein – Kommende Termine",
                             link="https://termine.example/",
                             self_url="https://termine.example/events.rss",
                             description="Kommende Termine", tz="Europe/Berlin")


@pytest.fixture(scope="module")
def news_doc():
    data = news()
    return data, feedparser.parse(data), ET.fromstring(data)


@pytest.fixture(scope="module")
def events_doc():
    data = upcoming()
    return data, feedparser.parse(data), ET.fromstring(data)


def test_news_is_wellformed_rss2(news_doc):
    data, feed, root = news_doc
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert root.tag == "rss" and root.get("version") == "2.0"
    self_link = root.find(f"channel/{ATOM}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "https://termine.example/news.rss"
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")


def test_news_items_newest_first_with_rfc822_dates(news_doc):
    _, feed, root = news_doc
    assert [e.id for e in feed.entries] == ["news-new", "news-evil", "news-old",
                                            "https://blog.example/undated"]
    first = root.find("channel/item")
    assert parsedate_to_datetime(first.findtext("pubDate")) == parse_instant(
        "2026-02-20T16:30:00Z")
    assert first.findtext("pubDate") == "Fri, 20 Feb 2026 16:30:00 GMT"
    built = root.findtext("channel/lastBuildDate")
    assert parsedate_to_datetime(built) == parse_instant("2026-02-20T16:30:00Z")
    assert root.findall("channel/item")[3].find("pubDate") is None


def test_news_guid_source_categories(news_doc):
    _, feed, root = news_doc
    item = root.find("channel/item")
    guid = item.find("guid")
    assert guid.text == "news-new" and guid.get("isPermaLink") == "false"
    source = item.find("source")
    assert source.text == "Idstein bleibt bunt e.V."
    assert source.get("url") == "https://ibb.example/termine/cafe"
    assert [c.text for c in item.findall("category")] == ["Begegnung"]
    undated = root.findall("channel/item")[3].find("guid")
    assert undated.get("isPermaLink") == "true"  # its guid is its link
    assert feed.entries[0].title == "Neues Programm für „WIR Café“"
    assert "Quelle:" in feed.entries[0].description


def test_news_injection_yields_exactly_the_items(news_doc):
    data, feed, root = news_doc
    assert len(root.findall("channel/item")) == 4 == len(feed.entries)
    evil = root.findall("channel/item")[1]
    assert evil.findtext("title") == RSS_TITLE
    assert "]]></description></item><item>" in evil.findtext("description")
    assert b"</item><item>" not in data.replace(b"</item>\n  <item>", b"")


def test_news_bytes_stable(news_doc):
    shuffled = items()
    random.Random(3).shuffle(shuffled)
    assert news(shuffled) == news_doc[0]


def test_empty_news_feed_is_valid():
    feed = feedparser.parse(news([]))
    assert feed.bozo == 0 and feed.entries == []


def test_events_rss_soonest_first_with_german_dates(events_doc):
    _, feed, root = events_doc
    assert feed.bozo == 0, feed.get("bozo_exception")
    titles = [e.title for e in feed.entries]
    assert titles[:3] == [
        "Do, 5. März 2026, 10:30 – Sprachcafé „Deutsch für alle“ – Übung macht Meister",
        "Do, 5. März 2026, 18:00 – WIR Café",
        "Do, 12. März 2026, 19:00 – WIR Café (verlegt ins Bürgerhaus)",
    ]
    assert "Sa, 13. Juni 2026 – Stadtfest Idstein" in titles
    assert not any(t.startswith("Do, 19. März") for t in titles)  # EXDATE
    first = feed.entries[0]
    assert "Wo:</strong> Bürgerhaus, Löherplatz 1" in first.description
    assert "Do, 5. März 2026, 10:30–12:00 Uhr" in first.description
    assert first.id == "pub-sprach#2026-03-05T09:30:00Z"
    assert root.find("channel/item/pubDate") is None


def test_events_rss_injection_is_one_item(events_doc):
    _, feed, root = events_doc
    evil = [i for i in root.findall("channel/item") if i.findtext("guid").startswith("pub-evil")]
    assert len(evil) == 1
    # XML end-of-line handling turns CRLF into LF; the text is otherwise intact
    want = "Fr, 20. März 2026, 19:00 – " + EVIL_TITLE.replace("\r\n", "\n")
    assert evil[0].findtext("title") == want
    assert len(feed.entries) == len(root.findall("channel/item"))


def test_events_rss_all_day_range_and_attribution(events_doc):
    _, feed, _ = events_doc
    fest = next(e for e in feed.entries if "Stadtfest" in e.title)
    assert "Sa, 13. Juni 2026 bis So, 14. Juni 2026" in fest.description
    assert "Auch angekündigt von: Caritas Rheingau-Taunus" in fest.description
    assert [t.term for t in fest.tags] == ["Feste & Märkte", "Kultur"]


def test_control_characters_do_not_break_xml():
    its = items()
    its[0] = replace(its[0], item=replace(its[0].item, title="Null\x00 und \x0b Tab"))
    root = ET.fromstring(news(its))
    assert root.findall("channel/item")[2].findtext("title") == "Null und  Tab"
