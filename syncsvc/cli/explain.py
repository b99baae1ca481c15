"""`syncsvc explain [--news] QUERY`: which inputs were merged into a published entry, and why.

Admins read it (German): it reruns the real dedupe on the stored inputs, so what it says
is what the next publish does; ``--news`` explains news items instead of events.
"""

from __future__ import annotations

from datetime import datetime

from ..config import Settings
from ..models import PublishedEvent, PublishedItem
from ..recur.vevent import to_local
from ..service import Service


def explain(settings: Settings, query: str, news: bool = False) -> str:
    """Text report for published events (or news items) whose UID equals or whose title
    contains ``query``."""
    if news:
        return explain_news(settings, query)
    with Service.open(settings, lock=False) as service:
        result = service.dedupe_events()
    q = query.casefold()
    hits = [p for p in result.published
            if p.uid == query or q in p.event.summary.casefold()]
    if not hits:
        return f"Kein veröffentlichter Termin passt zu „{query}“."
    return "\n\n".join(_describe(p, result.matches) for p in hits[:20])


def _describe(p: PublishedEvent, matches) -> str:
    refs = {f"{s}:{u}" + (f"@{r}" if r else "") for s, u, r in p.members}
    when = to_local(p.event.start, p.event.tzid)
    when_text = when.strftime("%d.%m.%Y %H:%M") if isinstance(when, datetime) else \
        when.strftime("%d.%m.%Y (ganztägig)")
    lines = [f"{p.event.summary} – {when_text}", f"  UID: {p.uid}",
             "  Angekündigt von: " + ", ".join(f"{s.name} ({s.source_id})" for s in p.sources),
             "  Eingänge:"]
    return "\n".join(lines + _inputs_and_comparisons(refs, matches))


def explain_news(settings: Settings, query: str) -> str:
    with Service.open(settings, lock=False) as service:
        published, matches = service.dedupe_news()
    q = query.casefold()
    hits = [p for p in published if p.uid == query or q in p.item.title.casefold()]
    if not hits:
        return f"Keine veröffentlichte Nachricht passt zu „{query}“."
    return "\n\n".join(_describe_item(p, matches) for p in hits[:20])


def _describe_item(p: PublishedItem, matches) -> str:
    refs = {f"{s}:{g}" for s, g in p.members}
    lines = [f"{p.item.title} – {p.item.published[:10] or 'ohne Datum'}", f"  UID: {p.uid}",
             f"  Link: {p.item.link or '–'}",
             "  Veröffentlicht von: " + ", ".join(f"{s.name} ({s.source_id})"
                                                  for s in p.sources),
             "  Eingänge:"]
    return "\n".join(lines + _inputs_and_comparisons(refs, matches))


def _inputs_and_comparisons(refs: set[str], matches) -> list[str]:
    """The input references, then every comparison that involved one of them."""
    lines = [f"    - {ref}" for ref in sorted(refs)]
    related = [m for m in matches if m.a in refs or m.b in refs]
    if related:
        lines.append("  Vergleiche:")
    for m in related:
        verdict = "zusammengeführt" if m.merged else "getrennt"
        lines.append(f"    {m.a} ~ {m.b}: {m.score:.0f} → {verdict} ({'; '.join(m.reasons)})")
    return lines
