"""Stored records as JSON: the text of the ``data`` column of ``events`` and ``news``.

Keys sorted and umlauts kept (``ensure_ascii=False``), so equal records store equal text;
a record of a newer schema loses only the keys this version does not know. A publish
decodes every stored record at once, so decoded records share their repeated strings.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, fields
from functools import cache

from ..models import Event, NewsItem


def _to_json(record: Event | NewsItem) -> str:
    return json.dumps(asdict(record), ensure_ascii=False, sort_keys=True)


def _from_json(cls: type, text: str):
    """Rebuild a record; JSON lists become tuples, unknown keys (newer schema) are dropped.

    Every stored record is decoded at once for a publish, and JSON gives each value its
    own string: the repeated short ones (source, zone, status, place, categories) are
    interned, and an HTML text equal to its plain text (no markup: most of them) shares
    that string. At 100 partners that was a third of the records' 14 MB."""
    known = _field_names(cls)
    values = {k: _tuples(v) for k, v in json.loads(text).items() if k in known}
    for key in _INTERNED:
        value = values.get(key)
        if isinstance(value, str):
            values[key] = sys.intern(value)
    cats = values.get("categories")
    if isinstance(cats, tuple):
        values["categories"] = tuple(sys.intern(c) if isinstance(c, str) else c for c in cats)
    for plain, html in _SAME_TEXT:
        if plain in values and values.get(html) == values[plain]:
            values[html] = values[plain]
    return cls(**values)


_INTERNED = ("source_id", "tzid", "status", "location")
_SAME_TEXT = (("description", "description_html"), ("summary", "summary_html"))


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _tuples(value):
    """JSON lists back to tuples, nested ones too (Event.translations)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def event_to_json(ev: Event) -> str:
    return _to_json(ev)


def event_from_json(text: str) -> Event:
    return _from_json(Event, text)


def item_to_json(item: NewsItem) -> str:
    return _to_json(item)


def item_from_json(text: str) -> NewsItem:
    return _from_json(NewsItem, text)
