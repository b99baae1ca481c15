"""Published records shared by the publish tests (built in code, not read from a store)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from syncsvc.config import Settings, SourceConfig
from syncsvc.models import Event, NewsItem, PublishedEvent, PublishedItem, SourceRef

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
IBB = SourceRef("ibb", "Idstein bleibt bunt e.V.", "https://ibb.example/termine/cafe")
STADT = SourceRef("stadt", "Stadt Idstein", "https://www.idstein.de/wir")
CARITAS = SourceRef("caritas", "Caritas Rheingau-Taunus", "")
EVIL = SourceRef("evil", "Böser „Partner“", "https://evil.example/")
EVIL_TITLE = "Böse\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected\r\nSUMMARY:gehackt"
RSS_TITLE = "Titel ]]> mit </item><item><title>falsch</title> und „Zitat“"
SOURCE_NAMES = {"ibb": IBB.name, "stadt": STADT.name, "caritas": CARITAS.name,
                "evil": EVIL.name, "blog": "Integrationsblog Idstein"}


def _pe(uid: str, ev: Event, sources, cats, seq=0, stamp="2026-01-10T09:00:00Z"):
    return PublishedEvent(uid=uid, event=ev, sources=tuple(sources), categories=tuple(cats),
                          sequence=seq, dtstamp=stamp)


def events() -> list[PublishedEvent]:
    cafe = Event(source_id="ibb", uid="cafe@ibb", summary="WIR Café",
                 start="2026-02-05T17:00:00Z", end="2026-02-05T19:00:00Z",
                 rrule="FREQ=WEEKLY;BYDAY=TH", exdates=("2026-03-19T17:00:00Z",),
                 description="Offener Treff für alle – mit Kaffee & Kuchen.",
                 location="Café Löwenzahn, Idstein")
    moved = replace(cafe, summary="WIR Café (verlegt ins Bürgerhaus)", rrule="",
                    exdates=(), start="2026-03-12T18:00:00Z", end="2026-03-12T20:00:00Z",
                    recurrence_id="2026-03-12T17:00:00Z", location="Bürgerhaus Idstein")
    fest = Event(source_id="stadt", uid="fest@stadt", summary="Stadtfest Idstein",
                 start="2026-06-13", end="2026-06-15", all_day=True,
                 location="Altstadt, König-Adolf-Platz")
    sprach = Event(source_id="caritas", uid="sprach@caritas",
                   summary="Sprachcafé „Deutsch für alle“ – Übung macht Meister",
                   start="2026-03-05T09:30:00Z", end="2026-03-05T11:00:00Z",
                   description="Üben, plaudern, Fragen stellen: „Wie sagt man…?“",
                   description_html="<p>Üben, plaudern, <b>Fragen</b> stellen</p>",
                   location="Bürgerhaus, Löherplatz 1")
    past = Event(source_id="stadt", uid="klausur@stadt", summary="Strategieklausur",
                 start="2025-12-01T08:00:00Z", end="2025-12-01T15:00:00Z")
    london = Event(source_id="caritas", uid="london@caritas", summary="Partnerstadt-Call",
                   start="2026-04-20T16:00:00Z", end="2026-04-20T17:00:00Z",
                   tzid="Europe/London")
    evil = Event(source_id="evil", uid="evil@evil", summary=EVIL_TITLE,
                 start="2026-03-20T18:00:00Z", end="2026-03-20T19:00:00Z",
                 description="]]></description></item><item>\r\nBEGIN:VCALENDAR")
    return [
        _pe("pub-cafe", cafe, [IBB, STADT], ["Begegnung"], 1),
        _pe("pub-cafe", moved, [IBB], ["Begegnung"], 2, "2026-02-20T08:00:00Z"),
        _pe("pub-fest", fest, [STADT, CARITAS], ["Feste & Märkte", "Kultur"]),
        _pe("pub-sprach", sprach, [CARITAS], ["Sprache", "Begegnung"]),
        _pe("pub-klausur", past, [STADT], ["Netzwerk"]),
        _pe("pub-london", london, [CARITAS], ["Netzwerk"]),
        _pe("pub-evil", evil, [EVIL], ["Kultur"]),
    ]


def items() -> list[PublishedItem]:
    def pi(uid, title, published, sources, cats=(), html="", link=""):
        item = NewsItem(source_id=sources[0].source_id, guid=uid, title=title, link=link,
                        summary_html=html, summary="", published=published)
        return PublishedItem(uid=uid, item=item, sources=tuple(sources), categories=tuple(cats))

    blog = SourceRef("blog", SOURCE_NAMES["blog"], "https://blog.example/2026/02/fest")
    return [
        pi("news-old", "Rückblick: Akteurskonferenz", "2026-01-05T10:00:00Z", [STADT],
           ["Netzwerk"], "<p>Über 80 Teilnehmende</p>", "https://www.idstein.de/rueckblick"),
        pi("news-new", "Neues Programm für „WIR Café“", "2026-02-20T16:30:00Z", [IBB, blog],
           ["Begegnung"], "<p>Jetzt <a href=\"https://ibb.example/p\">anmelden</a>!</p>",
           "https://ibb.example/news/programm"),
        pi("news-evil", RSS_TITLE, "2026-02-01T12:00:00Z", [EVIL], [],
           "<p>]]></description></item><item><title>x</title></p>"),
        pi("https://blog.example/undated", "Ohne Datum", "", [blog], [], "",
           "https://blog.example/undated"),
    ]


def settings(tmp: Path, **kw) -> Settings:
    sources = (
        SourceConfig(id="ibb", name=IBB.name, url="https://ibb.example/cal.ics", kind="ics"),
        SourceConfig(id="stadt", name=STADT.name, url="https://idstein.example/s.ics",
                     kind="ics"),
        SourceConfig(id="caritas", name=CARITAS.name, url="https://c.example/c.ics", kind="ics"),
        SourceConfig(id="evil", name=EVIL.name, url="https://evil.example/e.ics", kind="ics"),
        SourceConfig(id="blog", name=SOURCE_NAMES["blog"], url="https://blog.example/feed",
                     kind="feed"),
    )
    base = dict(config_path=tmp / "syncsvc.toml", output_dir=tmp / "public",
                base_url="https://termine.example", sources=sources)
    base.update(kw)
    return Settings(**base)
