"""News failure classes of issue 12: link fragments, generic titles, next-day reposts."""

from __future__ import annotations

from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import dedupe_news
from syncsvc.models import NewsItem

SOURCES = {sid: SourceConfig(sid, sid.title(), f"https://{sid}.example/feed", "feed", prio)
           for sid, prio in (("stadt", 10), ("ibb", 5), ("caritas", 4), ("kirche", 3))}
TEXT = ("Zwölf Idsteinerinnen und Idsteiner haben die Ausbildung zu Integrationslotsen "
        "abgeschlossen und begleiten ab Dezember Neuzugewanderte zu Ämtern und Ärzten.")


def item(source: str, guid: str, title: str, link: str, published: str,
         summary: str = "") -> NewsItem:
    return NewsItem(source_id=source, guid=guid, title=title, link=link, published=published,
                    summary=summary)


def groups(items: list[NewsItem]) -> set[frozenset[str]]:
    published, _ = dedupe_news(items, SOURCES, DedupeSettings())
    return {frozenset(f"{s}:{g}" for s, g in p.members) for p in published}


def test_listing_page_fragments_name_different_articles():
    page = "https://www.idstein.de/leben/integration/"
    assert groups([
        item("stadt", "1", "Integrationskurse 2027: Anmeldung ab sofort", page + "#kurse",
             "2026-10-29T08:00:00Z"),
        item("stadt", "2", "Sprachpaten gesucht", page + "#paten", "2026-10-20T08:00:00Z"),
        item("ibb", "3", "Ehrenamtliche für die Hausaufgabenhilfe gesucht", page + "#ehrenamt",
             "2026-11-03T08:00:00Z"),
    ]) == {frozenset({"stadt:1"}), frozenset({"stadt:2"}), frozenset({"ibb:3"})}


def test_a_fragment_one_feed_puts_on_many_pages_is_navigation():
    assert groups([
        item("stadt", "1", "Neue Integrationslotsen", "https://idstein.de/pm/lotsen",
             "2026-10-08T08:00:00Z"),
        item("caritas", "2", "Lotsen für Idstein", "https://idstein.de/pm/lotsen#seitenanfang",
             "2026-10-15T08:00:00Z"),
        item("caritas", "3", "Tafel sucht Fahrer", "https://c.example/tafel#seitenanfang",
             "2026-10-16T08:00:00Z"),
    ]) == {frozenset({"stadt:1", "caritas:2"}), frozenset({"caritas:3"})}


def test_generic_title_on_one_day_needs_agreeing_text():
    day = "2026-10-14T10:00:00Z"
    assert groups([
        item("stadt", "1", "Pressemitteilung vom 14.10.2026", "https://idstein.de/pm-1", day,
             "Die Stadt eröffnet die neue Stadtbücherei am König-Adolf-Platz."),
        item("caritas", "2", "Pressemitteilung vom 14.10.2026", "https://c.example/pm", day,
             "Der Caritasverband sucht Ehrenamtliche für die Tafel in Idstein."),
    ]) == {frozenset({"stadt:1"}), frozenset({"caritas:2"})}


def test_next_day_repost_under_its_own_url_with_the_same_text_is_one_article():
    city = item("stadt", "1", "Neue Integrationslotsinnen und -lotsen ausgebildet",
                "https://idstein.de/pm/lotsen", "2026-10-08T09:00:00Z", TEXT)
    repost = item("kirche", "2", "Neue Integrationslotsen ausgebildet",
                  "https://kirche.example/2026/10/lotsen", "2026-10-09T07:00:00Z", TEXT)
    other = item("ibb", "3", "Neue Integrationslotsen ausgebildet", "https://ibb.example/x",
                 "2026-10-09T08:00:00Z", "Unser Sommerfest war ein voller Erfolg, danke!")
    assert groups([city, repost]) == {frozenset({"stadt:1", "kirche:2"})}
    assert groups([city, other]) == {frozenset({"stadt:1"}), frozenset({"ibb:3"})}


def test_the_same_day_is_a_day_of_the_configured_zone():
    # 11:30 and 12:30 in Berlin; 23:30 on the 1st and 00:30 on the 2nd in Auckland
    pair = [item("stadt", "1", "Neue Sprechstunde der Flüchtlingshilfe",
                 "https://idstein.de/pm/sprechstunde", "2026-03-01T10:30:00Z"),
            item("caritas", "2", "Neue Sprechstunde der Flüchtlingshilfe",
                 "https://c.example/sprechstunde", "2026-03-01T11:30:00Z")]
    berlin, same = dedupe_news(pair, SOURCES, DedupeSettings())
    auckland, apart = dedupe_news(pair, SOURCES, DedupeSettings(), zone="Pacific/Auckland")
    assert len(berlin) == 1 and same[0].reasons[0] == "gleicher Tag 2026-03-01"
    assert len(auckland) == 2  # the next day there, and no text to agree on
    assert apart[0].reasons[0] == "nächster Tag (2026-03-02 / 2026-03-01)"
