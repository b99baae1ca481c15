"""vobject (Python): parse-only check for the unified calendar (it has no expansion API
that the other clients' sets could be compared with)."""

from __future__ import annotations

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

    errors = []
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
    return errors
