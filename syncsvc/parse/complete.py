"""Is a body complete? A truncated transfer must be a failed fetch, not a smaller set.

A server that closes the connection early without a Content-Length (or with a chunked
body cut at a chunk boundary) delivers a prefix that still parses: the tolerant ICS
repair would close the open components and feedparser reads whatever entries it found,
so a source silently lost the rest of its events or items (16 of 40 in one test).
Truncation shows at the end of the body: an ICS body that ends inside a VEVENT or
VCALENDAR, a feed whose root element is never closed. Inner damage (one missing
END:VEVENT before the next BEGIN) is still repaired by the parsers.
"""

from __future__ import annotations

import re

_BEGIN_END = re.compile(r"^(BEGIN|END):([A-Za-z0-9-]+)\s*$", re.IGNORECASE | re.M)
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_TRAILER = re.compile(rb"(?:\s+|<!--.*?-->|<\?.*?\?>)+\Z", re.S)


def ics_open_at_end(text: str) -> list[str]:
    """The components still open where the text ends (outermost first), as the repair
    in ``parse.ics`` tracks them: a new VCALENDAR closes an open one, a stray END is
    ignored, an END closes the components opened inside it."""
    stack: list[str] = []
    for m in _BEGIN_END.finditer(text):
        kind, name = m.group(1).upper(), m.group(2).upper()
        if kind == "BEGIN":
            if name == "VCALENDAR":
                stack.clear()
            stack.append(name)
        elif name in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name):]
    return stack


def feed_truncated(body: bytes) -> bool:
    """True when the XML root element is not closed at the end of the body.

    UTF-16/32 bodies are not judged (the byte patterns below assume an ASCII-compatible
    encoding)."""
    if b"\x00" in body[:4]:
        return False
    root = _root_name(body)
    if root is None:
        return False
    end = _TRAILER.sub(b"", body[-65536:])
    return not re.search(rb"</\s*" + re.escape(root) + rb"\s*>\Z", end)


def _root_name(body: bytes) -> bytes | None:
    """The first element name: ``<?xml``, ``<!DOCTYPE`` and comments do not match."""
    m = _ROOT.search(body, 0, 65536)
    return m.group(1) if m else None
