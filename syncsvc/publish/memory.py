"""The translation memory: recurring partner titles, translated once by the admin.

Partners announce the same „Sprachcafé“ or „Kleiderausgabe“ every week in German; the
admin writes each title's translations once into the file named by ``[service]
translations`` (TOML, one table per German title, one key per language). Titles are
matched as dedupe matches them (``dedupe.textmatch.normalize_title``: case, umlauts,
punctuation and filler words do not matter), so „Sprachcafé Idstein“ finds „Sprachcafé“.
Read at publish time, so an edit applies at the next publish without a restart; a bad
file is logged and publishes without the memory rather than not at all.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from ..config.languages import known_language
from ..dedupe.textmatch import normalize_title
from ..logs import fields
from ..models import digest
from .localize import Memory

log = logging.getLogger(__name__)


def read_memory(data: dict, problems: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for title, table in data.items():
        key = normalize_title(title)
        if not key or not isinstance(table, dict):
            problems.append(f"„{title}“: braucht einen Titel und eine Tabelle mit "
                            "Sprachkürzel = \"Übersetzung\"")
            continue
        texts = {lang: " ".join(text.split()) for lang, text in table.items()
                 if isinstance(text, str) and text.strip()}
        if len(texts) != len(table):
            problems.append(f"„{title}“: jede Übersetzung muss ein Text sein")
        for lang in [lang for lang in texts if not known_language(lang) or lang == "de"]:
            problems.append(f"„{title}“: '{lang}' ist kein Sprachkürzel einer Übersetzung "
                            "(z. B. en, ar, uk)")
            del texts[lang]
        if key in out:
            problems.append(f"„{title}“: steht (gleichbedeutend) schon weiter oben")
        out.setdefault(key, {}).update(texts)
    return out


def load_memory(path: str) -> tuple[Memory, list[str]]:
    """The memory of ``path`` ("" = none) and the problems found, in German."""
    if not path:
        return {}, []
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as e:
        log.warning("translation memory %s not read: %s", path, e,
                    extra=fields(source="*", stage="publish"))
        return {}, [f"{path}: {e}"]
    problems: list[str] = []
    memory = read_memory(data, problems)
    for p in problems:
        log.warning("translation memory %s: %s", path, p,
                    extra=fields(source="*", stage="publish"))
    return memory, problems


def memory_digest(memory: Memory) -> str:
    return digest(sorted((k, sorted(v.items())) for k, v in memory.items()))
