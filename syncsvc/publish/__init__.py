"""The publish stage: the only code that writes output files.

``publish_all`` renders every view (calendar.ics, news.rss, events.rss, feed.json,
events.json, per-category and per-source views, views.json) and writes the changed ones
atomically. The renderers in ``ics``, ``rss`` and ``jsonfeed`` are pure: records in, bytes out.
"""

from .outputs import PublishResult, View
from .views import publish_all
from .write import write_atomic

__all__ = ["PublishResult", "View", "publish_all", "write_atomic"]
