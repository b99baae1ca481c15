"""The embed widget's own files: per view, only what the widget can show.

``static/embed.js`` used to download the whole ``events.json`` (every occurrence of the
horizon, descriptions included) on every partner page, to show five dates. Now each view
the widget can be asked for – everything, a category (by its key, as
``calendar/<slug>.ics``), a partner (``data-source``), in each configured language – gets
a small file under ``widget/`` (``<lang>/widget/`` for the other languages):

- the occurrences not over at publish time that start on the publish day (local time),
  plus the next ``AHEAD`` after it – enough for any limit up to ``AHEAD`` until the day
  turns, when the daemon republishes anyway;
- per occurrence only the fields the widget reads (no descriptions, no source names);
- ``"complete": true`` when that is every upcoming occurrence of the view. When it is not
  and the widget's filters leave fewer than its limit, it loads the full events.json, as
  it always did.

A partner's file lists the merged entries the partner takes part in (what the widget
filtered events.json by); ``sources/<id>/events.json`` holds the partner's own records.
Category and partner files are cut by embed.js's own test of each occurrence, so a file
never lists what the widget would then filter out.
These files are the widget's, not an interface: integrations read events.json.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..config.sources import SOURCE_ID
from ..i18n import translator
from .common import Fragments, Listed, sort_instant
from .jsonfeed import EVENTS_VERSION, dump, event_json
from .languages import widget_labels
from .localize import Localizer
from .select import Selection, category_keys, source_keys

AHEAD = 20  # occurrences after the publish day; the widget shows 5 unless told otherwise
FIELDS = ("all_day", "categories", "category_slugs", "end", "location", "sources", "start",
          "status", "timezone", "title", "title_language", "url")

Cut = tuple[list[Listed], bool]  # (what the file lists, whether that is all upcoming)


def widget_cuts(sel: Selection, slugs: Iterable[str], source_ids: Iterable[str],
                now: datetime, tz: str) -> dict[str, Cut]:
    """Per widget file (path below ``widget/``): its occurrences, cut once for every
    language. An occurrence is in a category's or partner's file by the test embed.js
    applies to it (its ``category_slugs``, its ``sources``), so whatever a file lists the
    widget shows. Every category and partner view gets a file, an empty one included."""
    local = now.astimezone(ZoneInfo(tz))
    day_end = datetime.combine(local.date() + timedelta(days=1), time(),
                               ZoneInfo(tz)).astimezone(UTC)
    keyed: dict[str, list[Listed]] = defaultdict(list)
    memo: dict[int, list[str]] = {}
    for x in sel.upcoming:
        keys = memo.get(id(x.published))
        if keys is None:
            keys = memo[id(x.published)] = [
                *(f"calendar/{slug}.json" for slug in category_keys(x.published)),
                *(f"sources/{sid}.json" for sid in source_keys(x.published))]
        for key in keys:
            keyed[key].append(x)
    paths = [f"calendar/{slug}.json" for slug in slugs]
    paths += [f"sources/{sid}.json" for sid in source_ids if SOURCE_ID.match(sid)]
    cuts = {"events.json": _cut(sel.upcoming, day_end)}
    cuts.update((path, _cut(keyed.get(path, []), day_end)) for path in paths)
    return cuts


def widget_files(cuts: Mapping[str, Cut], localizer: Localizer, tz: str
                 ) -> dict[str, Callable[[], bytes]]:
    """The files of one language (``localizer.lang``; German under ``widget/``), as
    publish_all's pages: not views, so not in views.json."""
    lang = localizer.lang
    prefix = "" if lang == "de" else f"{lang}/"
    extra: dict = {"timezone": tz, "version": EVENTS_VERSION}
    if prefix:
        tr = translator(lang)
        extra.update(language=lang, writing_direction=tr.direction, labels=widget_labels(tr))
    entries: Fragments[Listed, bytes] = Fragments(
        lambda x: dump(_compact(event_json(x, localizer)))[:-1])  # without the newline

    def render(cut: Cut) -> Callable[[], bytes]:
        listed, complete = cut
        tail = dump({"complete": complete, **extra})
        return lambda: b"".join((b'{"events":[', b",".join(entries.get(x) for x in listed),
                                 b"],", tail[1:]))

    return {f"{prefix}widget/{path}": render(cut) for path, cut in cuts.items()}


def _cut(upcoming: list[Listed], day_end: datetime) -> Cut:
    """All of the publish day's, then ``AHEAD`` more (``upcoming`` is in start order)."""
    out: list[Listed] = []
    after = 0
    for x in upcoming:
        if sort_instant(x.occurrence.start, x.published.event.tzid) >= day_end:
            if after == AHEAD:
                break
            after += 1
        out.append(x)
    return out, len(out) == len(upcoming)


def _compact(entry: dict) -> dict:
    out = {k: entry[k] for k in FIELDS if k in entry}
    out["sources"] = [{"id": s["id"]} for s in entry.get("sources", [])]
    return out
