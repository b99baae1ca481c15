"""Configuration: ``load`` reads ``syncsvc.toml`` (loader.py) into the frozen records of
records.py. Every other stage only reads the records; they are re-exported here, so
``config.Settings`` reads as it always did.
"""

from .loader import DEFAULT_PATH, KINDS, load, parse_interval, resolve_path
from .records import DedupeSettings, Settings, SourceConfig

__all__ = ["DEFAULT_PATH", "KINDS", "DedupeSettings", "Settings", "SourceConfig", "load",
           "parse_interval", "resolve_path"]
