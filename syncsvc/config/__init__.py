"""Configuration: ``load`` reads ``syncsvc.toml`` (loader.py) into the frozen records of
records.py. Every other stage only reads the records; they are re-exported here, so
``config.Settings`` reads as it always did. ``problems`` locates and words what is wrong;
``check`` (the ``syncsvc check`` command) also reads the files the config points to.
"""

from .loader import DEFAULT_PATH, KINDS, load, load_with_warnings, parse_interval, resolve_path
from .records import DedupeSettings, Settings, SourceConfig
from .sources import SOURCE_ID

__all__ = ["DEFAULT_PATH", "KINDS", "SOURCE_ID", "DedupeSettings", "Settings", "SourceConfig",
           "load", "load_with_warnings", "parse_interval", "resolve_path"]
