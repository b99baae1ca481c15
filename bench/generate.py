"""Synthetic German partner sources for the benchmark: ICS calendars and RSS feeds.

Sources come in pairs (2i, 2i+1); the second partner of a pair re-announces a known share
(``dup_rate``) of the first partner's one-off events or news items under its own UID/GUID,
with the title spelled slightly differently. So any even prefix of the source list holds
whole pairs and a known number of cross-source duplicates. Every fourth pair is an RSS
pair; each ICS source carries two recurring series (weekly and monthly). Everything is
deterministic for a given seed and reference time. Bytes are written by icalendar and
ElementTree, never by hand.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import icalendar

from syncsvc.models import Event

TZ = ZoneInfo("Europe/Berlin")
TITLES = [
    "Sprachcafé für Geflüchtete", "Deutschkurs für Anfängerinnen", "Hausaufgabenhilfe",
    "Frauenfrühstück", "Fahrradwerkstatt für alle", "Kleiderkammer geöffnet",
    "Beratung zu Aufenthaltsfragen", "Elterncafé", "Nähcafé „Fadenlauf“", "Spieletreff",
    "Kochen über Grenzen", "Lesepatenschaften – Treffen", "Fußball für alle",
    "Bewerbungstraining", "Ausflug zur Saalburg", "Sommerfest im Bürgerhaus",
    "Gesprächskreis Heimat", "Computerhilfe für Ältere", "Musik verbindet – Chorprobe",
    "Stadtführung für Neuzugezogene", "Tanzabend der Kulturen", "Repair-Café",
]
PLACES = [
    "Bürgerhaus Idstein, Löherplatz 2", "Ev. Gemeindehaus, Schloßgasse 5",
    "Stadtbücherei Idstein, König-Adolf-Platz", "Jugendzentrum, Am Hexenturm",
    "Pfarrzentrum St. Martin, Obergasse", "Zehntscheune Idstein",
    "Familienzentrum Löwenzahn, Wörsdorfer Straße", "Killingerhaus, König-Adolf-Platz 2",
]
CATEGORIES = ["Begegnung", "Sprache", "Beratung", "Kinder & Familie", "Kultur", "Sport"]
ORGS = ["Flüchtlingshilfe", "Caritasverband", "Diakonie", "Kirchengemeinde", "Familienzentrum",
        "Freiwilligenagentur", "Türkisch-Deutscher Verein", "Frauen für Frauen e.V."]
NEWS_WHAT = ["Öffnungszeiten", "Ehrenamtliche gesucht", "Rückblick", "Spendenaufruf",
             "Förderbescheid", "Anmeldung offen", "Neue Räume", "Dankeschön", "Umfrage",
             "Pressemitteilung", "Stellenangebot", "Jahresbericht"]
NEWS_TOPIC = ["Kleiderkammer", "Sprachpatenschaften", "Fest der Begegnung", "Schulranzen",
              "Begegnungscafé", "Ausflug nach Wiesbaden", "Hausaufgabenhilfe", "Nähwerkstatt",
              "Fahrradspenden", "Mittagstisch", "Ferienspiele", "Wohnungssuche", "Übersetzerpool",
              "Frauengruppe", "Gartenprojekt", "Computerkurs"]
NEWS_WHERE = ["Wörsdorf", "Walsdorf", "Heftrich", "Kröftel", "Nieder-Oberrod", "Dasbach",
              "Ehrenbach", "Eschenhahn", "Lenzhahn", "Oberauroff", "Kernstadt", "Hohe Straße"]


@dataclass(frozen=True)
class GenEvent:
    uid: str
    summary: str
    start: datetime  # aware, Europe/Berlin
    minutes: int
    location: str
    description: str
    category: str
    rrule: str = ""


@dataclass(frozen=True)
class GenItem:
    guid: str
    title: str
    link: str
    html: str
    published: datetime


@dataclass
class GenSource:
    id: str
    name: str
    kind: str  # "ics" | "feed"
    events: list[GenEvent] = field(default_factory=list)
    items: list[GenItem] = field(default_factory=list)
    duplicates: int = 0  # entries copied from the pair's first partner
    version: int = 0  # bumped by ``change``

    @property
    def path(self) -> str:
        return f"/partner/{self.id}." + ("ics" if self.kind == "ics" else "rss")

    @property
    def entries(self) -> int:
        return len(self.events) + len(self.items)


def sources(count: int, per_source: int, dup_rate: float = 0.1, seed: int = 7,
            now: datetime | None = None) -> list[GenSource]:
    """``count`` sources (rounded up to whole pairs) with ``per_source`` entries each."""
    now = (now or datetime.now(UTC)).astimezone(TZ).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    out: list[GenSource] = []
    for pair in range((count + 1) // 2):
        kind = "feed" if pair % 4 == 3 else "ics"
        first = _source(rng, 2 * pair, kind, per_source, now)
        second = _source(rng, 2 * pair + 1, kind, per_source, now)
        _copy_duplicates(rng, first, second, dup_rate)
        out += [first, second]
    return out[:count]


def _source(rng: random.Random, n: int, kind: str, per_source: int, now: datetime) -> GenSource:
    org = ORGS[n % len(ORGS)]
    src = GenSource(id=f"partner-{n:04d}", name=f"{org} Idstein – Gruppe {n}", kind=kind)
    if kind == "feed":
        src.items = [_item(rng, src.id, n, k, now) for k in range(per_source)]
        return src
    series = min(2, per_source)
    src.events = [_event(rng, src.id, n, k, now) for k in range(per_source - series)]
    weekly = _event(rng, src.id, n, per_source, now)
    monthly = _event(rng, src.id, n, per_source + 1, now)
    src.events += [replace(weekly, uid=f"{src.id}-weekly", rrule="FREQ=WEEKLY;COUNT=40"),
                   replace(monthly, uid=f"{src.id}-monthly",
                           rrule="FREQ=MONTHLY;BYDAY=1TH;COUNT=12")][:series]
    return src


def _event(rng: random.Random, sid: str, n: int, k: int, now: datetime) -> GenEvent:
    day = now.date() + timedelta(days=rng.randint(-20, 450))
    start = datetime(day.year, day.month, day.day, rng.randint(8, 20), rng.choice((0, 15, 30, 45)),
                     tzinfo=TZ)
    title = f"{rng.choice(TITLES)} (Gruppe {n}-{k})"
    text = (f"„{title}“ – offen für alle, Eintritt frei. Bitte bringen Sie gute Laune mit; "
            f"Übersetzung ins Arabische, Türkische und Ukrainische möglich. "
            f"Veranstalter: {ORGS[n % len(ORGS)]} Idstein. Größere Gruppen bitte vorher anmelden.")
    return GenEvent(uid=f"{sid}-{k}@partner.example", summary=title, start=start,
                    minutes=rng.choice((60, 90, 120)), location=rng.choice(PLACES),
                    description=text, category=rng.choice(CATEGORIES))


def _item(rng: random.Random, sid: str, n: int, k: int, now: datetime) -> GenItem:
    title = (f"{rng.choice(NEWS_WHAT)}: {rng.choice(NEWS_TOPIC)} in "
             f"{rng.choice(NEWS_WHERE)} ({n}-{k})")
    html = (f"<p>Liebe Freundinnen und Freunde, <b>„{title}“</b> – mehr dazu auf "
            f"<a href=\"/aktuelles/{k}\">unserer Seite</a>. Grüße aus Idstein, Ihr Team "
            f"der {ORGS[n % len(ORGS)]}.</p><p>Öffnungszeiten: Mo–Fr 9–12 Uhr.</p>")
    return GenItem(guid=f"https://{sid}.example/aktuelles/{k}", title=title,
                   link=f"https://{sid}.example/aktuelles/{k}", html=html,
                   published=now - timedelta(hours=rng.randint(1, 24 * 60)))


def _copy_duplicates(rng: random.Random, first: GenSource, second: GenSource,
                     rate: float) -> None:
    """Second partner re-announces ``rate`` of the first partner's one-offs/items."""
    if first.kind == "ics":
        pool = [e for e in first.events if not e.rrule]
        picks = rng.sample(range(len(pool)), int(len(pool) * rate))
        for slot, i in enumerate(picks):
            src = pool[i]
            second.events[slot] = replace(src, uid=f"{second.id}-dup{slot}@partner.example",
                                          summary=src.summary.replace("für alle", "für Alle"))
        second.duplicates = len(picks)
    else:
        picks = rng.sample(range(len(first.items)), int(len(first.items) * rate))
        for slot, i in enumerate(picks):
            src = first.items[i]
            second.items[slot] = replace(src, guid=f"https://{second.id}.example/dup/{slot}")
        second.duplicates = len(picks)


def change(src: GenSource) -> None:
    """Edit one entry (new wording), as a partner updating its calendar would."""
    src.version += 1
    if src.events:
        e = src.events[0]
        src.events[0] = replace(e, description=e.description + f" Änderung Nr. {src.version}.")
    elif src.items:
        i = src.items[0]
        src.items[0] = replace(i, html=i.html + f"<p>Aktualisiert ({src.version}).</p>")


def render(src: GenSource) -> bytes:
    return render_ics(src) if src.kind == "ics" else render_rss(src)


def render_ics(src: GenSource) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//syncsvc bench//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", src.name)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    for e in src.events:
        ve = icalendar.Event()
        ve.add("uid", e.uid)
        ve.add("dtstamp", stamp)
        ve.add("summary", e.summary)
        ve.add("dtstart", e.start)
        ve.add("dtend", e.start + timedelta(minutes=e.minutes))
        ve.add("location", e.location)
        ve.add("description", e.description)
        ve.add("categories", [e.category])
        if e.rrule:
            ve.add("rrule", icalendar.vRecur.from_ical(e.rrule))
        cal.add_component(ve)
    cal.add_missing_timezones()
    return cal.to_ical()


def render_rss(src: GenSource) -> bytes:
    rss = ET.Element("rss", version="2.0")
    ch = ET.SubElement(rss, "channel")
    ET.SubElement(ch, "title").text = src.name
    ET.SubElement(ch, "link").text = f"https://{src.id}.example/"
    ET.SubElement(ch, "description").text = f"Neuigkeiten von {src.name}"
    for i in src.items:
        it = ET.SubElement(ch, "item")
        ET.SubElement(it, "title").text = i.title
        ET.SubElement(it, "link").text = i.link
        ET.SubElement(it, "guid").text = i.guid
        ET.SubElement(it, "pubDate").text = format_datetime(i.published.astimezone(UTC))
        ET.SubElement(it, "description").text = i.html
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def to_events(src: GenSource) -> list[Event]:
    """The normalized ``Event`` records the pipeline would store (for in-process benches)."""
    out = []
    for e in src.events:
        start = e.start.astimezone(UTC)
        out.append(Event(source_id=src.id, uid=e.uid, summary=e.summary,
                         start=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         end=(start + timedelta(minutes=e.minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         tzid="Europe/Berlin", description=e.description,
                         location=e.location, rrule=e.rrule, categories=(e.category,)))
    return out
