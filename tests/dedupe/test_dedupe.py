"""Dedupe rules: text normalisation, matching evidence, series folding, stable UIDs, news."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from syncsvc.config import DedupeSettings, SourceConfig
from syncsvc.dedupe import canonical_url, dedupe_events, dedupe_news, normalize_title
from syncsvc.models import Event, NewsItem

SOURCES = {
    "stadt": SourceConfig("stadt", "Stadt Idstein", "https://idstein.example/a.ics", "ics", 10),
    "verein": SourceConfig("verein", "Netzwerk Ehrenamt", "https://v.example/a.ics", "ics", 5),
    "kirche": SourceConfig("kirche", "Kirchengemeinde", "https://k.example/a.ics", "ics", 5),
    "bib": SourceConfig("bib", "Stadtbibliothek", "https://b.example/a.ics", "ics", 3),
}
S = DedupeSettings()


def ev(source, uid, summary, start, **kw) -> Event:
    return Event(source_id=source, uid=uid, summary=summary, start=start, **kw)


def memory_of(published) -> dict[str, str]:
    return {f"{s}:{u}" + (f"@{r}" if r else ""): p.uid for p in published for s, u, r in p.members}


def groups(result) -> set[frozenset[str]]:
    return {frozenset(f"{s}:{u}" for s, u, _ in p.members) for p in result.published}


WORKSHOP = [
    ev("stadt", "w1", "Themenworkshop „Bürgerliches Engagement“", "2025-02-20T17:00:00Z",
       location="Rathaus Idstein", url="https://idstein.example/w", categories=("Workshop",)),
    ev("verein", "w2", "Workshop: Bürgerschaftliches Engagement", "2025-02-20T17:00:00Z",
       location="Rathaus, Sitzungssaal", description="Lang " * 50, categories=("Ehrenamt",)),
    ev("bib", "x", "Bilderbuchkino", "2025-02-20T17:00:00Z", location="Rathaus Idstein"),
]


@pytest.mark.parametrize("raw, expected", [
    ("Themenworkshop „Bürgerliches Engagement“", "themenworkshop buergerliches engagement"),
    ("Das Frühstück für Groß und Klein in Idstein!", "fruehstueck gross klein"),
    ("Sprachcafé – \"Deutsch üben\"", "sprachcafe deutsch ueben"),
    ("Kinder-Flohmarkt zum 3. Mal", "kinder flohmarkt 3 mal"),
])
def test_normalize_title_is_german_aware(raw, expected):
    assert normalize_title(raw) == expected


@pytest.mark.parametrize("url", [
    "http://idstein.de/presse/pm-17?utm_source=nl&utm_medium=mail",
    "https://www.idstein.de/presse/pm-17/",
    "https://WWW.Idstein.de/presse/pm-17/?fbclid=IwAR0abc#oben",
    "https://idstein.de/presse/pm-17?gclid=xyz&utm_campaign=feb",
])
def test_canonical_url_ignores_tracking_scheme_www_slash_fragment(url):
    assert canonical_url(url) == "https://idstein.de/presse/pm-17"


def test_canonical_url_keeps_meaningful_query():
    assert canonical_url("https://x.de/?p=2211&utm_source=a") == "https://x.de?p=2211"
    assert canonical_url("https://x.de/?p=2211") != canonical_url("https://x.de/?p=2212")


def test_reworded_workshop_merges_priority_source_wins_categories_united():
    result = dedupe_events(WORKSHOP, SOURCES, S)
    assert groups(result) == {frozenset({"stadt:w1", "verein:w2"}), frozenset({"bib:x"})}
    merged = next(p for p in result.published if len(p.members) == 2)
    assert merged.event.uid == "w1"  # priority beats the longer description
    assert [(s.source_id, s.name, s.url) for s in merged.sources] == [
        ("stadt", "Stadt Idstein", "https://idstein.example/w"),
        ("verein", "Netzwerk Ehrenamt", ""),
    ]
    assert merged.categories == ("Workshop", "Ehrenamt")
    assert merged.sequence == 0 and merged.dtstamp == ""


def test_equal_priority_tie_goes_to_richer_content():
    a = ev("verein", "a", "Ehrenamtsmesse", "2025-10-25T09:00:00Z")
    b = ev("kirche", "b", "Ehrenamtsmesse", "2025-10-25T09:00:00Z", description="Stände",
           url="https://k.example/m")
    (only,) = dedupe_events([a, b], SOURCES, S).published
    assert only.event.source_id == "kirche"


def test_explanations_are_readable():
    result = dedupe_events(WORKSHOP, SOURCES, S)
    by_pair = {(m.a, m.b): m for m in result.matches}
    merged = by_pair[("stadt:w1", "verein:w2")]
    assert merged.merged and merged.score >= S.title_threshold
    assert "gleiche Startzeit" in merged.reasons
    assert any(r.startswith("Titel ") and "% ähnlich" in r for r in merged.reasons)
    # same place and hour but no title word in common: never a candidate (blocking by
    # title key), so never merged and not listed
    assert ("bib:x", "stadt:w1") not in by_pair
    assert len(result.published) == 2


@pytest.mark.parametrize("other, merged", [
    (ev("bib", "b", "Sprachcafé", "2025-03-11T15:20:00Z"), True),  # within 30 min
    (ev("bib", "b", "Sprachcafé", "2025-03-11T16:00:00Z"), False),  # an hour later
    (ev("bib", "b", "Sprachcafé", "2025-03-18T15:00:00Z"), False),  # next week
    (ev("bib", "b", "Sprachcafé", "2025-03-11", all_day=True), True),  # all-day, same day
    (ev("bib", "b", "Sprachcafé", "2025-03-12", all_day=True), False),
    (ev("bib", "b", "Asylberatung", "2025-03-11T15:00:00Z", location="Bibliothek"), False),
    (ev("bib", "b", "Sprachcafé", "2025-03-11T15:00:00Z", status="CANCELLED"), False),
])
def test_time_and_title_evidence(other, merged):
    base = ev("stadt", "a", "Sprachcafé", "2025-03-11T15:00:00Z", location="Bibliothek")
    result = dedupe_events([base, other], SOURCES, S)
    assert (len(result.published) == 1) is merged


def test_a_match_across_midnight_is_found_but_one_source_never_merges_with_itself():
    late = ev("stadt", "a", "Silvesterfeier", "2025-12-31T22:50:00Z")
    early = ev("verein", "b", "Silvesterfeier", "2025-12-31T23:10:00Z")  # 00:10 local next day
    same_src = ev("stadt", "c", "Silvesterfeier", "2025-12-31T22:50:00Z")
    result = dedupe_events([late, early, same_src], SOURCES, S)
    assert frozenset({"stadt:a", "verein:b"}) in groups(result) or frozenset(
        {"stadt:c", "verein:b"}) in groups(result)
    assert len(result.published) == 2


def test_consecutive_modules_with_numbers_stay_apart():
    one = ev("kirche", "m1", "Deutschkurs A1 – Modul 1", "2025-05-05T07:00:00Z")
    two = ev("bib", "m2", "Deutschkurs A1 – Modul 2", "2025-05-05T07:30:00Z")
    result = dedupe_events([one, two], SOURCES, S)
    assert len(result.published) == 2
    assert "andere Nummer im Titel (1 ≠ 2)" in result.matches[0].reasons


def test_chains_never_fuse_events_too_far_apart():
    a = ev("stadt", "a", "Stadtfest", "2025-06-01T10:00:00Z")
    b = ev("verein", "b", "Stadtfest", "2025-06-01T10:25:00Z")
    c = ev("kirche", "c", "Stadtfest", "2025-06-01T10:50:00Z")
    result = dedupe_events([a, b, c], SOURCES, S)
    assert len(result.published) == 2
    assert any("zeitlich zu weit" in r for m in result.matches for r in m.reasons)


SERIES = ev("stadt", "cafe", "WIR Café", "2025-01-08T14:00:00Z", end="2025-01-08T16:00:00Z",
            rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20251217T140000Z",
            exdates=("2025-04-16T13:00:00Z",), location="Stadtbibliothek")


def expanders():
    yield None  # dedupe's default: syncsvc.recur.expand (the one expander)
    try:
        from syncsvc.recur.expand import occurrences
    except ImportError:
        return
    yield occurrences


@pytest.mark.parametrize("expand", list(expanders()))
def test_partner_dates_fold_into_series_in_winter_and_summer(expand):
    winter = ev("verein", "v", "WIR-Café", "2025-03-12T14:00:00Z", url="https://v.example/c")
    summer = ev("bib", "b", "WIR Café – Treffpunkt für alle", "2025-06-11T13:00:00Z")
    exdated = ev("kirche", "k", "WIR Café", "2025-04-16T13:00:00Z")  # the city deleted that day
    other = ev("kirche", "t", "Trauercafé", "2025-03-19T14:00:00Z")
    result = dedupe_events([winter, SERIES, summer, exdated, other], SOURCES, S, expand=expand)
    (series,) = [p for p in result.published if p.event.rrule]
    # the city's deletion wins: the parish's stale copy folds into the series (authority)
    assert [s.source_id for s in series.sources] == ["stadt", "verein", "kirche", "bib"]
    assert series.sources[1].url == "https://v.example/c"
    assert set(series.members) == {("stadt", "cafe", ""), ("verein", "v", ""), ("bib", "b", ""),
                                   ("kirche", "k", "")}
    assert {p.event.uid for p in result.published} == {"cafe", "t"}
    fold = next(m for m in result.matches if m.b == "verein:v")
    assert fold.a == "stadt:cafe@2025-03-12T14:00:00Z" and fold.merged
    assert "Termin einer Serie: wird in die Serie eingefaltet" in fold.reasons


def test_series_never_fuse_and_cancelled_series_absorb_nothing():
    twin = replace(SERIES, source_id="verein", uid="cafe2")
    cancelled = replace(SERIES, uid="old", status="CANCELLED")
    one_off = ev("kirche", "k", "WIR Café", "2025-03-12T14:00:00Z")
    result = dedupe_events([SERIES, twin], SOURCES, S)
    assert len(result.published) == 2
    result = dedupe_events([cancelled, one_off], SOURCES, S)
    assert len(result.published) == 2


@pytest.mark.parametrize("expand", list(expanders()))
def test_one_off_folds_into_a_moved_occurrence_with_the_series_uid(expand):
    moved = replace(SERIES, start="2025-03-13T14:00:00Z", end="2025-03-13T16:00:00Z", rrule="",
                    exdates=(), recurrence_id="2025-03-12T14:00:00Z")
    partner = ev("verein", "v", "WIR Café", "2025-03-13T14:00:00Z")
    result = dedupe_events([SERIES, moved, partner], SOURCES, S, expand=expand)
    entries = {p.event.recurrence_id: p for p in result.published}
    assert set(entries) == {"", "2025-03-12T14:00:00Z"}
    assert entries[""].uid == entries["2025-03-12T14:00:00Z"].uid
    override = entries["2025-03-12T14:00:00Z"]
    assert [s.source_id for s in override.sources] == ["stadt", "verein"]


def test_force_together_and_force_apart_override_the_matcher():
    a = ev("stadt", "a", "Tag der offenen Tür", "2025-09-13T08:00:00Z")
    b = ev("verein", "b", "Schnupperstunde im Verein", "2025-09-13T08:00:00Z")
    c = ev("kirche", "c", "Tag der offenen Tür", "2025-09-13T08:00:00Z")
    settings = replace(S, force_together=(("stadt:a", "verein:b"),),
                       force_apart=(("stadt:a", "kirche:c"),))
    result = dedupe_events([a, b, c], SOURCES, settings)
    assert groups(result) == {frozenset({"stadt:a", "verein:b"}), frozenset({"kirche:c"})}
    assert any("force_apart" in r for m in result.matches for r in m.reasons)
    assert any("force_together" in r for m in result.matches for r in m.reasons)
    folded = dedupe_events([SERIES, ev("bib", "x", "Anderes", "2025-03-12T10:00:00Z")], SOURCES,
                           replace(S, force_together=(("stadt:cafe", "bib:x"),)))
    assert len(folded.published) == 1


def corpus() -> list[Event]:
    return [*WORKSHOP, SERIES, ev("verein", "v", "WIR-Café", "2025-03-12T14:00:00Z"),
            ev("kirche", "f1", "Frühstück", "2025-01-11T08:30:00Z"),
            ev("bib", "f2", "Frühstück", "2025-01-11T08:30:00Z"),
            ev("verein", "f3", "Frühstück", "2025-02-08T08:30:00Z")]


def test_reordering_input_gives_identical_output():
    first = dedupe_events(corpus(), SOURCES, S)
    for seed in range(5):
        shuffled = corpus()
        random.Random(seed).shuffle(shuffled)
        assert dedupe_events(shuffled, SOURCES, S) == first


def test_uids_survive_a_third_announcer_and_restarts():
    two = [ev("verein", "a", "Sommerfest der Kulturen", "2025-06-28T12:00:00Z"),
           ev("kirche", "b", "Sommerfest der Kulturen", "2025-06-28T12:00:00Z")]
    before = dedupe_events(two, SOURCES, S)
    (uid,) = [p.uid for p in before.published]
    assert uid.endswith("@syncsvc")
    memory = memory_of(before.published)
    third = ev("stadt", "c", "Sommerfest der Kulturen", "2025-06-28", all_day=True)
    after = dedupe_events([third, *two], SOURCES, S, memory)
    assert [p.uid for p in after.published] == [uid]
    assert after.published[0].event.source_id == "stadt"  # new winner, same UID
    restarted = dedupe_events(list(reversed([third, *two])), SOURCES, S,
                              dict(memory_of(after.published)))
    assert restarted == after
    leaves = dedupe_events([third, two[1]], SOURCES, S, memory_of(after.published))
    assert [p.uid for p in leaves.published] == [uid]  # verein left the cluster


def test_split_cluster_gets_distinct_uids_deterministically():
    pair = [ev("stadt", "a", "Konzert", "2025-11-15T18:00:00Z"),
            ev("kirche", "b", "Konzert", "2025-11-15T18:00:00Z")]
    memory = memory_of(dedupe_events(pair, SOURCES, S).published)
    split = dedupe_events(pair, SOURCES, replace(S, force_apart=(("stadt:a", "kirche:b"),)),
                          memory)
    uids = {p.event.source_id: p.uid for p in split.published}
    assert uids["stadt"] == memory["stadt:a"]  # the priority member keeps the UID
    assert uids["kirche"] != uids["stadt"]


def test_blocking_never_scores_all_pairs():
    events = [ev(src, f"{src}{d}", f"Termin {d % 7}", f"2025-{1 + d // 28:02d}-"
              f"{1 + d % 28:02d}T{8 + d % 10:02d}:00:00Z")
              for d in range(300) for src in ("stadt", "verein")]
    result = dedupe_events(events, SOURCES, S)
    assert len(result.matches) <= 300  # only same-time pairs are candidates
    assert len(result.published) == 300


def item(source, guid, title, link="", published="", **kw) -> NewsItem:
    return NewsItem(source_id=source, guid=guid, title=title, link=link, published=published, **kw)


def test_news_reposts_and_reworded_press_releases():
    items = [
        item("verein", "1", "Neue Sprachkurse", "http://idstein.de/a?utm_source=x",
             "2025-02-11T17:00:00Z", categories=("Sprache",)),
        item("stadt", "2", "Neue Sprachkurse ab März", "https://www.idstein.de/a/",
             "2025-02-10T08:00:00Z", categories=("Integration",)),
        item("kirche", "3", "Stadt erhält Förderung für Integrationsarbeit", "",
             "2025-02-14T11:00:00Z"),
        item("verein", "4", "Pressemitteilung: Stadt erhält Förderung für Integrationsarbeit",
             "https://v.example/p", "2025-02-14T09:00:00Z"),
        item("bib", "5", "Stadt erhält Förderung für Integrationsarbeit", "",
             "2025-02-15T09:00:00Z"),  # next day, no shared link
    ]
    published, matches = dedupe_news(items, SOURCES, S)
    got = {frozenset(f"{s}:{g}" for s, g in p.members) for p in published}
    assert got == {frozenset({"stadt:2", "verein:1"}), frozenset({"kirche:3", "verein:4"}),
                   frozenset({"bib:5"})}
    sprach = next(p for p in published if len(p.members) == 2 and p.item.source_id == "stadt")
    assert sprach.categories == ("Integration", "Sprache")
    press = next(p for p in published if ("kirche", "3") in p.members)
    assert press.item.guid == "4"  # same priority: the earliest wins
    assert all(m.reasons for m in matches)
    shuffled = list(reversed(items))
    memory = {f"{s}:{g}": p.uid for p in published for s, g in p.members}
    assert dedupe_news(shuffled, SOURCES, S, memory) == (published, matches)


def test_news_without_or_with_unreadable_dates_match_by_link_only():
    items = [item("stadt", "1", "Neue Sprachkurse", "https://idstein.de/a", ""),
             item("verein", "2", "Neue Sprachkurse", "https://idstein.de/b", "kaputt"),
             item("kirche", "3", "Anderes", "https://www.idstein.de/a/", "")]
    published, _ = dedupe_news(items, SOURCES, S)
    got = {frozenset(f"{s}:{g}" for s, g in p.members) for p in published}
    assert got == {frozenset({"stadt:1", "kirche:3"}), frozenset({"verein:2"})}


def news_groups(published) -> set[frozenset[str]]:
    return {frozenset(f"{s}:{g}" for s, g in p.members) for p in published}


NL = "Neue Sprachkurse im Killingerhaus, das WIR Café im März und Ehrenamtliche gesucht."


def test_news_titles_differing_only_by_a_number_stay_apart():
    day = "2027-03-02T09:00:00Z"
    items = [
        item("stadt", "1", "Nachricht 10", "https://idstein.de/n10", day),
        item("verein", "2", "Nachricht 11", "https://v.example/n11", day),
        # a generic title ("Newsletter 3/2027") merges only when the texts agree too
        item("stadt", "3", "Newsletter 3/2027", "https://idstein.de/nl3", day, summary=NL),
        item("kirche", "4", "Newsletter 4/2027", "https://k.example/nl4", day, summary=NL),
        item("bib", "5", "Newsletter 3/2027 der Stadt", "https://b.example/nl", day, summary=NL),
        item("kirche", "6", "Kinder-Flohmarkt zum 3. Mal", "", day),
        item("bib", "7", "Kinderflohmarkt zum 3. Mal", "", day),
        item("verein", "8", "Nachricht 12", "http://www.idstein.de/n10/?utm_source=x", day),
    ]
    published, matches = dedupe_news(items, SOURCES, S)
    assert news_groups(published) == {
        frozenset({"stadt:1", "verein:8"}),  # same link: one article, whatever the title says
        frozenset({"verein:2"}), frozenset({"kirche:4"}),
        frozenset({"stadt:3", "bib:5"}),  # same number, same words
        frozenset({"kirche:6", "bib:7"}),  # compound spelled apart, same number
    }
    pairs = {(m.a, m.b) for m in matches}
    assert ("stadt:1", "verein:2") not in pairs and ("kirche:4", "stadt:3") not in pairs


@pytest.mark.parametrize("seed", range(4))
def test_news_blocking_finds_exactly_what_comparing_all_pairs_finds(seed):
    from syncsvc.dedupe.newsmatch import generic_title
    from syncsvc.dedupe.textmatch import title_numbers_differ, title_similarity
    rng = random.Random(seed)
    words = ["Sprachkurs", "Sprachkurse", "Kleiderkammer", "Kinder-Flohmarkt", "Kinderflohmarkt",
             "geöffnet", "Teil", "Newsletter", "Förderung", "für", "die", "Stadt"]
    items = []
    for n in range(160):
        title = " ".join(rng.sample(words, rng.randint(1, 3)))
        if rng.random() < 0.5:
            title += f" {rng.randint(1, 3)}" + ("/2027" if rng.random() < 0.3 else "")
        link = f"https://idstein.de/{rng.randint(0, 60)}" if rng.random() < 0.4 else ""
        published = f"2027-03-0{rng.randint(1, 3)}T{rng.randint(0, 20):02d}:00:00Z"
        items.append(item(rng.choice(list(SOURCES)), str(n), title, link, published))
    expected = {frozenset({f"{i.source_id}:{i.guid}"}) for i in items}
    for x, a in enumerate(items):  # brute force: every pair, the documented rule
        for b in items[x + 1:]:
            ta, tb = normalize_title(a.title), normalize_title(b.title)
            same_link = a.link and canonical_url(a.link) == canonical_url(b.link)
            same_title = (a.published[:10] == b.published[:10] and not title_numbers_differ(ta, tb)
                          and title_similarity(ta, tb) >= S.news_title_threshold
                          and not generic_title(ta) and not generic_title(tb))  # no bodies
            if a.source_id != b.source_id and (same_link or same_title):
                ga = next(g for g in expected if f"{a.source_id}:{a.guid}" in g)
                gb = next(g for g in expected if f"{b.source_id}:{b.guid}" in g)
                expected = (expected - {ga, gb}) | {ga | gb}
    published, _ = dedupe_news(items, SOURCES, S)
    assert news_groups(published) == expected
    assert len(expected) < len(items) - 20  # the data does merge


def test_news_unrelated_items_on_one_day_are_not_all_paired():
    items = [item(src, f"{src}{n}", f"Meldung über Thema {chr(65 + n % 26)}{n // 26} {src}",
                  f"https://{src}.example/{n}", "2027-03-02T09:00:00Z")
             for n in range(150) for src in ("stadt", "verein")]
    published, matches = dedupe_news(items, SOURCES, S)
    assert len(published) == 300
    assert len(matches) < 300  # comparing all same-day pairs would explain 22,500
