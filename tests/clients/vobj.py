"""vobject (Python): parse-only check for the unified calendar (it has no expansion API
that the other clients' sets could be compared with)."""

from __future__ import annotations

import logging

NAME = "vobject"


def unavailable() -> str | None:
    try:
        import vobject  # noqa: F401
    except ImportError as e:
        return f"vobject is not installed: {e}"
    return None


def parse_errors(text: str) -> list[str]:
    """Every component read and validated, values decoded, each event's rrule set built."""
    import vobject

    errors: list[str] = []
    # vobject reports some problems only through logging (e.g. a TZID it cannot resolve):
    # those count as errors too, and stay out of the log.
    capture = _Capture(errors)
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        for cal in vobject.readComponents(text, validate=True):
            for comp in cal.getChildren():
                if getattr(comp, "name", "") != "VEVENT":
                    continue
                try:
                    comp.getrruleset(addRDate=True)
                except Exception as e:  # noqa: BLE001
                    uid = getattr(getattr(comp, "uid", None), "value", "?")
                    errors.append(f"VEVENT {uid}: {type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001
        errors.append(f"{type(e).__name__}: {e}")
    finally:
        root.removeHandler(capture)
    return errors


class _Capture(logging.Handler):
    def __init__(self, errors: list[str]):
        super().__init__(logging.ERROR)
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(f"logged: {record.getMessage()}")
