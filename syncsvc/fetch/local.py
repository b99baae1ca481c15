"""Sources that are files in the feeds folder (the bundled default config, the city's own
schedule): the same size cap and German errors as HTTP, the mtime as the validator.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from ..config import SourceConfig
from ..errors import FetchError
from ..logs import fields
from ..models import Fetched, NotModified, Validators
from . import limits

log = logging.getLogger(__name__)


def fetch_file(source: SourceConfig, validators: Validators, force: bool,
               limit: int) -> Fetched | NotModified:
    """A source inside the feeds folder; its mtime is the validator (no 304 over HTTP)."""
    sid, path = source.id, Path(source.url)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise FetchError(sid, f"{path} ist keine Datei")
        if st.st_size > limit:
            raise FetchError(sid, limits.too_big(limit))
        stamp = limits.file_stamp(st.st_mtime_ns)
        if not force and validators.last_modified == stamp:
            log.info("file unchanged since %s", stamp, extra=fields(source=sid, stage="fetch"))
            return NotModified()
        body = path.read_bytes()
    except FileNotFoundError as e:
        raise FetchError(sid, f"Datei nicht gefunden: {path}") from e
    except OSError as e:
        raise FetchError(sid, f"Datei nicht lesbar: {path} ({e.strerror})") from e
    if not body:
        raise FetchError(sid, f"leere Datei: {path}")
    if len(body) > limit:
        raise FetchError(sid, limits.too_big(limit))
    log.info("read %d bytes from %s", len(body), path, extra=fields(source=sid, stage="fetch"))
    return Fetched(body=body, validators=Validators(last_modified=stamp),
                   final_url=path.as_uri())
