"""Parsers: partner bodies → ``Parsed`` records (``parse_ics``, ``parse_feed``)."""

from .feed import parse_feed
from .ics import parse_ics

__all__ = ["parse_feed", "parse_ics"]
