"""iCalendar body → ``Parsed`` (RawEvent records), tolerant of the ways real files break.

Repairs before icalendar sees the text: CRLF/lone CR → LF, continuation lines whose
folding space was lost are re-joined, unclosed components get their END lines — except
at the very end: a body that ends inside a VEVENT or VCALENDAR is a truncated transfer
and a ParseError, so the stored events stay (``parse.complete``). Files
with several VCALENDARs or a bare VEVENT root parse with ``multiple=True``; if the
whole text still fails, each VEVENT block is parsed on its own so one broken line
costs one event. Each VEVENT is read by ``parse.ics_event``, which skips only that
event when it is unusable.
"""

from __future__ import annotations

import logging
import re
import warnings

from icalendar import Calendar, Component
from icalendar.error import GloballyUniqueTZIDGuessed

from ..errors import ParseError
from ..instants import zone_or_none
from ..logs import fields
from ..models import Parsed, RawEvent
from .complete import ics_open_at_end
from .ics_event import SkipEvent, event_label, to_raws
from .series import portable

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", category=GloballyUniqueTZIDGuessed)

_PROPERTY_LINE = re.compile(r"^[A-Za-z0-9-]+(?:[;:]|$)")
_BEGIN_END = re.compile(r"^(BEGIN|END):([A-Za-z0-9-]+)\s*$", re.IGNORECASE)
_X_WR_TIMEZONE = re.compile(r"^X-WR-TIMEZONE[^:]*:(.+)$", re.IGNORECASE | re.M)
_BLOCK = re.compile(r"^BEGIN:(VEVENT|VTIMEZONE)\n.*?^END:\1$", re.IGNORECASE | re.M | re.S)


def parse_ics(body: bytes, source_id: str, default_tz: str) -> Parsed:
    """Parse an iCalendar body. Raises ParseError only when the body is no calendar."""
    text = _decode(body, source_id)
    _refuse_truncated(text, source_id)
    text = _repair(text)
    components, unreadable = _components(text, source_id)
    zone = _X_WR_TIMEZONE.search(text)
    cal_tz = (zone_or_none(zone.group(1).strip()) if zone else "") or default_tz
    events: list[RawEvent] = []
    skipped = ["Termin übersprungen: Eintrag ist nicht lesbar."] * unreadable
    for vevent in _vevents(components):
        try:
            events.extend(to_raws(vevent, source_id, cal_tz))
        except SkipEvent as e:
            skipped.append(str(e))
        except Exception as e:  # noqa: BLE001 - any surprise in one event skips only it
            reason = f"unlesbarer Wert ({type(e).__name__})"
            skipped.append(f"{event_label(vevent)} übersprungen: {reason}.")
    events, notes = portable(events)
    skipped.extend(notes)
    for reason in skipped:
        log.warning("skipped event: %s", reason, extra=fields(source=source_id, stage="parse"))
    return Parsed(events=tuple(events), skipped=tuple(skipped), title=_title(components))


def _decode(body: bytes, source_id: str) -> str:
    if not body or not body.strip():
        raise ParseError(source_id, "Antwort ist leer (kein Kalenderinhalt).")
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):  # a Windows "Unicode" (UTF-16) export
        text = body.decode("utf-16", errors="replace")
    else:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = body.decode("cp1252", errors="replace")
    head = text.lstrip()[:512].lower()
    if head.startswith("<") and ("<html" in head or "<!doctype" in head or "<body" in head):
        raise ParseError(source_id, "Antwort ist kein iCalendar (HTML-Seite erhalten).")
    if head.startswith("<"):
        raise ParseError(source_id, "Antwort ist kein iCalendar (XML/HTML erhalten).")
    nul = text.count("\x00")
    if nul > len(text) // 100 or not re.search(r"^BEGIN:V", text, re.IGNORECASE | re.M):
        raise ParseError(source_id, "Antwort ist kein iCalendar (keine BEGIN:VCALENDAR-Zeile).")
    if nul:  # a stray NUL (C string end from a CMS export) costs nothing but itself
        log.warning("%d NUL byte(s) removed", nul, extra=fields(source=source_id, stage="parse"))
        text = text.replace("\x00", "")
    return text


def _refuse_truncated(text: str, source_id: str) -> None:
    open_at_end = ics_open_at_end(text.replace("\r\n", "\n").replace("\r", "\n"))
    if open_at_end:
        raise ParseError(source_id, f"Antwort unvollständig: Kalender endet mitten in "
                         f"{open_at_end[-1]} (END:{open_at_end[-1]} fehlt) – vermutlich "
                         "abgebrochene Übertragung; der letzte Stand bleibt erhalten.")


def _repair(text: str) -> str:
    """Fix line endings, lost folding spaces, stray END lines and missing END lines."""
    lines: list[str] = []
    stack: list[str] = []
    for line in _lines(text):
        if not line.strip():
            continue
        if not lines:
            line = line.lstrip()  # indented first line (node-ical's dst-transition-rules)
        if lines and line[0] not in " \t" and not _PROPERTY_LINE.match(line):
            lines[-1] += "\\n" + line  # a value line whose folding was lost
            continue
        m = _BEGIN_END.match(line)
        if m:
            kind, name = m.group(1).upper(), m.group(2).upper()
            if kind == "BEGIN":
                if name == "VCALENDAR":  # a new calendar closes an unterminated one
                    lines.extend(f"END:{n}" for n in reversed(stack))
                    stack.clear()
                stack.append(name)
            elif name not in stack:
                continue  # END without BEGIN
            else:
                while stack[-1] != name:
                    lines.append(f"END:{stack.pop()}")
                stack.pop()
        lines.append(line)
    lines.extend(f"END:{name}" for name in reversed(stack))
    return "\n".join(lines) + "\n"


def _lines(text: str) -> list[str]:
    """Content lines. In a file with CRLF (or LF) endings a bare CR is a line break typed
    into a value (an old Mac text field): it stays inside the value as an escaped newline,
    or the rest of the value, read as a line of its own, was lost. A file with only bare
    CRs (classic Mac endings) is split at them."""
    if "\n" in text:
        text = re.sub(r"\r(?!\n)", r"\\n", text).replace("\r\n", "\n")
    else:
        text = text.replace("\r", "\n")
    return text.split("\n")


def _components(text: str, source_id: str) -> tuple[list[Component], int]:
    """All root components, plus how many VEVENT blocks could not be read at all."""
    try:
        return list(Calendar.from_ical(text, multiple=True)), 0
    except Exception as e:  # noqa: BLE001 - icalendar raises assorted types on bad lines
        log.warning("calendar does not parse as a whole (%s), trying per event", e,
                    extra=fields(source=source_id, stage="parse"))
    components: list[Component] = []
    unreadable = 0
    blocks = list(_BLOCK.finditer(text))
    if not blocks:
        raise ParseError(source_id, "Kalenderdatei ist beschädigt: kein Termin lesbar.")
    for block in blocks:
        try:
            components.extend(Calendar.from_ical(block.group(0), multiple=True))
        except Exception:  # noqa: BLE001
            unreadable += block.group(1).upper() == "VEVENT"
    return components, unreadable


def _vevents(components: list[Component]) -> list[Component]:
    out: list[Component] = []
    for comp in components:
        out.extend([comp] if comp.name == "VEVENT" else comp.walk("VEVENT"))
    return out


def _title(components: list[Component]) -> str:
    for comp in components:
        if comp.name == "VCALENDAR" and comp.get("X-WR-CALNAME"):
            return str(comp.get("X-WR-CALNAME"))
    return ""


