"""The only package that touches SQLite (sqlite3; sqlite-utils for migrations and bulk upserts)."""

from .codec import event_from_json, event_to_json, item_from_json, item_to_json
from .fragments import FragmentsMixin
from .published import PublishedMixin


class Store(PublishedMixin, FragmentsMixin):
    """Everything the service keeps: sources, entries, published identity, held sets,
    rendered fragments."""


__all__ = ["Store", "event_from_json", "event_to_json", "item_from_json", "item_to_json"]
