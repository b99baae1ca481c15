"""A generated partner network that knows its true duplicates (for ``bench.generated_quality``).

The labelled set was looked at while the matcher's vocabulary was tuned; this world was
not written against that vocabulary. Partners announce events (German titles drawn from
one shared pool of activities, each optionally qualified by a level, a cuisine, a
language, an audience), mostly at their own venues, plus one weekly series each. A share
of each partner's events is cross-posted by another partner with the variations real
copies show (capitalisation, an invitation prefix, the organiser's name, an English
title, a later start, a shortened or missing location); the world records every such
pair. It also plants hard negatives next to some events: the same activity with another
qualifier at the same venue and hour, the same title in another building, the short title
elsewhere. Two *different* originals are never indistinguishable (same activity and
qualifier, same venue, same day): such a pair would make the truth, not the matcher, wrong.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncsvc.models import Event

TZ = ZoneInfo("Europe/Berlin")
# (German title, English title or "", qualifier kind or "")
ACTIVITIES: tuple[tuple[str, str, str], ...] = (
    ("Sprachcafé", "Language Café", "language"), ("Kochabend", "Cooking night", "cuisine"),
    ("Deutschkurs", "German class", "level"), ("Nähcafé", "", "stage"),
    ("Hausaufgabenhilfe", "Homework help", "audience"), ("Frauenfrühstück", "", ""),
    ("Fahrradwerkstatt", "Bike repair", ""), ("Kleiderkammer", "", ""),
    ("Elterncafé", "Parents café", "language"), ("Spieletreff", "", "audience"),
    ("Bewerbungstraining", "", "stage"), ("Gesprächskreis Heimat", "", ""),
    ("Computerhilfe", "Computer help", "audience"), ("Chorprobe", "Choir rehearsal", ""),
    ("Tanzabend der Kulturen", "", ""), ("Repair-Café", "", ""),
    ("Theaterwerkstatt", "", "audience"), ("Malkurs", "Painting class", "stage"),
    ("Gartenprojekt", "", ""), ("Mittagstisch", "", ""), ("Kleidertausch", "", ""),
    ("Lesekreis", "Book club", "language"), ("Filmabend", "Movie night", "language"),
    ("Musikabend", "", ""), ("Erzählcafé", "", ""), ("Stadtführung", "City tour", "language"),
    ("Sozialberatung", "", "language"), ("Yoga", "", "audience"),
    ("Schwimmkurs", "Swimming class", "audience"), ("Infoabend Ausbildung", "", ""),
    ("Sprechstunde Wohnungssuche", "", "language"), ("Fußballtraining", "", "audience"),
)
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "level": ("A1", "A2", "B1", "B2"),
    "cuisine": ("syrisch", "afghanisch", "ukrainisch", "eritreisch", "persisch"),
    "language": ("auf Arabisch", "auf Ukrainisch", "auf Farsi", "auf Englisch"),
    "audience": ("für Kinder", "für Jugendliche", "für Frauen", "für Senioren"),
    "stage": ("für Anfänger", "für Fortgeschrittene"),
}
VENUES = (
    "Killingerhaus, König-Adolf-Platz 2", "Bürgerhaus Idstein, Löherplatz 2",
    "Stadtbücherei Idstein, König-Adolf-Platz", "Jugendzentrum, Am Hexenturm",
    "Pfarrzentrum St. Martin, Obergasse", "Zehntscheune Idstein", "Gemeindehaus, Schloßgasse 5",
    "Familienzentrum Löwenzahn, Wörsdorfer Straße", "Caritas-Zentrum, Weiherwiese 3",
    "Bürgerhaus Walsdorf, Mühlweg 1", "Dorfgemeinschaftshaus Heftrich",
    "Bürgerhaus Wörsdorf, Am Rathaus", "Vereinsheim Kröftel", "Gemeindehaus Eschenhahn",
)
ORGS = ("Flüchtlingshilfe", "Caritasverband", "Diakonie", "Kirchengemeinde", "Familienzentrum",
        "Freiwilligenagentur", "Türkisch-Deutscher Verein", "Frauen für Frauen", "Sportverein",
        "Kulturverein", "Nachbarschaftshilfe", "Integrationsbeirat")


@dataclass(frozen=True)
class Plan:
    """One generated event before it becomes an ``Event``."""

    source: str
    uid: str
    activity: int
    qualifier: str
    start: datetime  # aware, Europe/Berlin
    venue: str
    title: str = ""  # "" → built from activity and qualifier
    weekly: int = 0  # COUNT of a weekly series (0: a one-off)


@dataclass
class World:
    partners: dict[str, str] = field(default_factory=dict)  # id → name
    plans: list[Plan] = field(default_factory=list)
    copies: list[tuple[str, str, str]] = field(default_factory=list)  # orig uid, copy uid, class
    twins: list[tuple[str, str, str]] = field(default_factory=list)  # uid, uid, negative class
    crowded: int = 0  # originals that could not avoid an indistinguishable other original

    def events(self) -> list[Event]:
        return [_event(p) for p in self.plans]


def title_of(p: Plan) -> str:
    return p.title or " ".join(x for x in (ACTIVITIES[p.activity][0], p.qualifier) if x)


def build(partners: int, per_source: int = 150, copy_rate: float = 0.05,
          twin_rate: float = 0.05, seed: int = 12, start: date = date(2027, 1, 4)) -> World:
    rng = random.Random(seed)
    w = World()
    taken: dict[tuple, str] = {}
    ids = [f"partner-{n:04d}" for n in range(partners)]
    for n, sid in enumerate(ids):
        w.partners[sid] = f"{ORGS[n % len(ORGS)]} Idstein {n}"
        home = rng.sample(VENUES, 2)
        for k in range(per_source):
            weekly = 20 if k == per_source - 1 else 0
            for _ in range(50):  # resample an indistinguishable twin of another original
                p = _plan(rng, sid, f"{sid}-{k}", home, start, weekly)
                if not _clashes(p, taken):
                    break
            else:
                w.crowded += 1  # the network is too dense to avoid one: reported
            _take(p, taken)
            w.plans.append(p)
    originals = list(w.plans)
    for p in originals:
        if rng.random() < copy_rate:
            other = rng.choice([s for s in ids if s != p.source])
            w.plans.append(_copy(rng, p, other, w, len(w.copies)))
        if rng.random() < twin_rate and not p.weekly:
            other = rng.choice([s for s in ids if s != p.source])
            twin = _twin(rng, p, other, len(w.twins), w)
            if twin is not None and not _clashes(twin, taken, twin.source):
                _take(twin, taken)
                w.plans.append(twin)
    return w


def _plan(rng: random.Random, sid: str, uid: str, home: list[str], first: date,
          weekly: int) -> Plan:
    act = rng.randrange(len(ACTIVITIES))
    kind = ACTIVITIES[act][2]
    qual = rng.choice(QUALIFIERS[kind]) if kind and rng.random() < 0.6 else ""
    day = first + timedelta(days=rng.randrange(330))
    start = datetime(day.year, day.month, day.day, rng.randint(9, 20), rng.choice((0, 15, 30, 45)),
                     tzinfo=TZ)
    venue = rng.choice(home) if rng.random() < 0.8 else rng.choice(VENUES)
    return Plan(sid, uid, act, qual, start, venue, weekly=weekly)


def _days(p: Plan) -> list[date]:
    return [p.start.date() + timedelta(weeks=k) for k in range(max(1, p.weekly))]


def _clashes(p: Plan, taken: dict[tuple, str], owner: str = "") -> bool:
    """Same activity, same venue, same day, qualifiers equal or one missing."""
    kind = ACTIVITIES[p.activity][2]
    quals = {p.qualifier, ""} if p.qualifier else {"", *QUALIFIERS.get(kind, ())}
    for d in _days(p):
        for q in quals:
            hit = taken.get((p.activity, q, p.venue, d))
            if hit is not None and hit != owner:
                return True
    return False


def _take(p: Plan, taken: dict[tuple, str]) -> None:
    for d in _days(p):
        taken[(p.activity, p.qualifier, p.venue, d)] = p.source


def _copy(rng: random.Random, p: Plan, other: str, w: World, n: int) -> Plan:
    """Another partner re-announces ``p`` in its own words (the class names how)."""
    de, en, _ = ACTIVITIES[p.activity]
    title, cls = title_of(p), "same-title"
    roll = rng.random()
    if roll < 0.15:
        title, cls = title.upper() if rng.random() < 0.3 else title.lower(), "capitalisation"
    elif roll < 0.3:
        title, cls = f"Einladung: {title}", "prefix"
    elif roll < 0.42:
        title, cls = f"{title} – {w.partners[p.source].rsplit(' ', 2)[0]}", "organiser-in-title"
    elif roll < 0.52 and en and not p.qualifier:
        title, cls = en, "english-title"
    shift = rng.choices((0, 15, 30, 45), (70, 15, 10, 5))[0]
    venue = p.venue
    roll = rng.random()
    if roll < 0.3:
        venue = venue.split(",")[0]
    elif roll < 0.4:
        venue = f"{venue}, 65510 Idstein"
    if shift:
        cls += f"+{shift}min"
    uid = f"{other}-copy{n}"
    w.copies.append((p.uid, uid, cls))
    return replace(p, source=other, uid=uid, title=title, venue=venue,
                   start=p.start + timedelta(minutes=shift))


def _twin(rng: random.Random, p: Plan, other: str, n: int, w: World) -> Plan | None:
    """A different event that looks like ``p`` (the class names the trap)."""
    kind = ACTIVITIES[p.activity][2]
    uid = f"{other}-twin{n}"
    roll = rng.random()
    if roll < 0.4 and kind and p.qualifier:
        q = rng.choice([x for x in QUALIFIERS[kind] if x != p.qualifier])
        twin, cls = replace(p, qualifier=q), "other-qualifier"
    elif roll < 0.7:
        venue = rng.choice([v for v in VENUES if v.split()[0] != p.venue.split()[0]])
        twin, cls = replace(p, venue=venue), "other-venue"
    elif kind:
        venue = rng.choice([v for v in VENUES if v.split()[0] != p.venue.split()[0]])
        q = "" if p.qualifier else rng.choice(QUALIFIERS[kind])
        twin, cls = replace(p, qualifier=q, venue=venue), "contained-title-elsewhere"
    else:
        return None
    twin = replace(twin, source=other, uid=uid,
                   start=p.start + timedelta(minutes=rng.choice((0, 0, 15, 30))))
    w.twins.append((p.uid, uid, cls))
    return twin


def _event(p: Plan) -> Event:
    start = p.start.astimezone(UTC)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return Event(source_id=p.source, uid=p.uid, summary=title_of(p), start=start.strftime(fmt),
                 end=(start + timedelta(minutes=90)).strftime(fmt), tzid="Europe/Berlin",
                 location=p.venue, rrule=f"FREQ=WEEKLY;COUNT={p.weekly}" if p.weekly else "",
                 description=f"{title_of(p)} – herzlich willkommen.")
