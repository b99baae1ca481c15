"""Structured logging: one line per record, key=value or JSON, selectable in config.

What a line is about travels as record attributes, not inside the message:
``log.info("fetched %d bytes", n, extra=fields(source=sid, stage="fetch"))``. The text
format shows them as ``source=<id> stage=<stage>`` before ``msg=``, the JSON format as keys.
``source`` is a source id, ``*`` for the service as a whole, ``-`` when unknown.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_STD = set(vars(logging.makeLogRecord({})))
FIELDS = ("source", "stage", "duration_ms")  # in the order the text format shows them
_PLAIN = re.compile(r"[\w.:/*@+-]+")


def fields(*, source: str | None = None, stage: str | None = None,
           duration_ms: int | None = None) -> dict[str, object]:
    """``extra=`` for a log call: the given fields (None ones left out)."""
    given = {"source": source, "stage": stage, "duration_ms": duration_ms}
    return {k: v for k, v in given.items() if v is not None}


def _field_text(record: logging.LogRecord) -> str:
    out = ""
    for key in FIELDS:
        value = getattr(record, key, None)
        if value is not None:
            text = str(value)
            out += f" {key}={text if _PLAIN.fullmatch(text) else repr(text)}"
    return out


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        msg = record.getMessage().replace("\n", " | ")
        line = (f"ts={ts} level={record.levelname.lower()} logger={record.name}"
                f"{_field_text(record)} msg={msg!r}")
        if record.exc_info:
            line += " exc=" + repr(self.formatException(record.exc_info))
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        doc.update({k: v for k, v in vars(record).items() if k not in _STD})
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


def setup(fmt: str = "text", level: int = logging.INFO, stream=None) -> None:
    """Configure the root logger once (idempotent: replaces our previous handler)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.set_name("syncsvc")
    root = logging.getLogger()
    for h in list(root.handlers):
        if h.get_name() == "syncsvc":
            root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)
