"""Whether a republish is needed, decided without loading dedupe or the renderers.

A pass where every source answered 304 must cost next to nothing (issue 19: warm ≤ 2 %
of cold); importing dedupe and publish alone took longer than the whole pass, so the
decision lives apart from ``service.republish``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ..config import Settings
from ..models import SyncReport, digest
from ..store import Store


def publish_fingerprint(settings: Settings) -> str:
    """Everything in the config that shapes the outputs besides the stored data (the
    translation memory file included: an edit there republishes without a restart)."""
    parts: tuple = (settings.name, settings.base_url, settings.timezone, settings.interval_s,
                    settings.past_days, settings.future_months, settings.max_occurrences,
                    settings.dedupe, str(settings.output_dir),
                    tuple((s.id, s.name, s.kind, s.priority, s.enabled)
                          for s in settings.sources))
    if len(settings.languages) > 1 or settings.translations:  # else: the digest as before
        from ..publish.memory import load_memory, memory_digest

        parts += (settings.languages, memory_digest(load_memory(settings.translations)[0]),
                  tuple((s.id, s.language) for s in settings.sources))
    return digest(parts)


def needed(settings: Settings, store: Store, reports: Sequence[SyncReport],
           now: datetime) -> bool:
    """Republish only when something changed: data (or an earlier publish of it failed),
    publishing config, the local day (the horizon of the views moves), or an output went
    missing. A pass where every
    source answered 304 therefore costs no dedupe and no rendering."""
    return (any(r.changed for r in reports)
            or store.published_version() != store.data_version()
            or store.meta("published_day") != local_day(settings, now)
            or store.meta("published_config") != publish_fingerprint(settings)
            or not (settings.output_dir / "calendar.ics").exists()
            or not (settings.output_dir / "views.json").exists())


def local_day(settings: Settings, now: datetime) -> str:
    return now.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
