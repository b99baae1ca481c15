"""Typed reading of one config table: every bad key becomes a located German problem.

Shared by the sections of ``syncsvc.toml``: a value of the wrong type is named with what
was expected and what is there („muss eine ganze Zahl sein, hier steht der Text …“), an
unknown key with the closest known one.
"""

from __future__ import annotations

import re

from .problems import Problem, suggest

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smh])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600}
_TYPES = {str: "ein Text in Anführungszeichen", int: "eine ganze Zahl", float: "eine Zahl",
          bool: "true oder false", list: "eine Liste [ … ]", dict: "eine Tabelle"}


def parse_interval(text: str) -> int:
    """'30m' → 1800. Raises ValueError on anything else."""
    m = _INTERVAL.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"'{text}' ist kein Intervall (erwartet z. B. 90s, 30m, 2h)")
    return int(m.group(1)) * _UNITS[m.group(2)]


def read_section(raw: object, label: str, schema: dict, problems: list[Problem],
             where: tuple) -> dict:
    if not isinstance(raw, dict):
        problems.append(Problem(f"{label} muss eine Tabelle sein", where))
        return {}
    out = {}
    for key, value in raw.items():
        if key not in schema:
            problems.append(Problem(f"{label}: unbekannter Schlüssel '{key}'"
                                    f"{suggest(key, schema)}", where + (key,)))
        elif not isinstance(value, schema[key]) or (
            isinstance(value, bool) and schema[key] is not bool
        ):
            problems.append(Problem(f"{label}: '{key}' muss {_expected(schema[key])} sein, "
                                    f"hier steht {_shown(value)}", where + (key,)))
        else:
            out[key] = value
    return out


def _expected(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return _TYPES[float] if float in kinds else _TYPES.get(kinds[0], kinds[0].__name__)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (Ja/Nein-Wert)"
    if isinstance(value, str):
        return f"der Text \"{value}\""
    if isinstance(value, int | float):
        return f"die Zahl {value}"
    kind = next((name for t, name in _TYPES.items() if isinstance(value, t)), "ein Datum")
    return kind


def read_interval(value: str, label: str, problems: list[Problem], default: int,
              where: tuple, key: str = "interval") -> int:
    try:
        seconds = parse_interval(value)
    except ValueError as e:
        problems.append(Problem(f"{label}: '{key}' {e}", where + (key,)))
        return default
    if key == "interval" and seconds < 60:
        problems.append(Problem(f"{label}: 'interval' \"{value}\" ist kürzer als eine Minute – "
                                "das belastet die Server der Partner; üblich sind 15m bis 1h",
                                where + (key,), warning=True))
    return seconds
