"""The publish stage: the only code that writes output files.

``publish_all`` renders every view (calendar.ics, news.rss, events.rss, feed.json,
events.json, per-category and per-source views, views.json) and writes the changed ones
atomically. The renderers in ``ics``, ``rss`` and ``jsonfeed`` are pure: records in, bytes out.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PRODID", "PublishResult", "View", "publish_all", "write_atomic"]
# Every calendar we publish names itself so (service.database recognises its own outputs
# by it without importing the renderers).
PRODID = "-//WIR in Idstein//syncsvc//DE"
_HOMES = {"PublishResult": "outputs", "View": "outputs", "publish_all": "views",
          "write_atomic": "write"}


def __getattr__(name: str) -> Any:
    """Loaded on first use: a module that needs one helper of this package (the
    translation memory, say) does not pay for every renderer."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_HOMES[name]}", __name__), name)
