"""The only package that touches SQLite (via sqlite-utils)."""

from ._base import event_from_json, event_to_json, item_from_json, item_to_json
from .published import PublishedMixin


class Store(PublishedMixin):
    """Everything the service keeps: sources, entries, published identity, held sets."""


__all__ = ["Store", "event_from_json", "event_to_json", "item_from_json", "item_to_json"]
