"""syncsvc: pulls partner calendars and news, deduplicates them, republishes one feed."""

__version__ = "0.1.0"
