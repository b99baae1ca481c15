"""``[service] languages``/``translations`` and a source's ``language``, checked once here.

A language code must be one Babel (CLDR) knows, because dates, plural rules and the
writing direction of its pages come from there; German is the source language of every
authored text, so it comes first. The translation memory file is only located here (its
content is read at publish time by ``publish.memory``, so an edit needs no restart).
"""

from __future__ import annotations

from pathlib import Path

from .problems import Problem

SOURCE_LANGUAGE = "de"


def known_language(code: object) -> bool:
    if not isinstance(code, str) or not code or code != code.strip().lower():
        return False
    # Babel is imported here, when a language is checked: a config without languages
    # (and every pass of 304s that loads it) does without it, 20 ms of a 0.3 s pass
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def read_languages(value: object, problems: list[Problem]) -> tuple[str, ...]:
    where = ("service", "languages")
    if not isinstance(value, list) or not value:
        problems.append(Problem("[service]: 'languages' muss eine Liste von Sprachkürzeln "
                                'sein, z. B. ["de", "en", "ar"]', where))
        return (SOURCE_LANGUAGE,)
    out: list[str] = []
    for code in value:
        if not known_language(code):
            problems.append(Problem(f"[service]: 'languages' – '{code}' ist kein bekanntes "
                                    "Sprachkürzel (ISO 639, klein geschrieben, z. B. \"uk\")",
                                    where))
        elif code in out:
            problems.append(Problem(f"[service]: 'languages' – '{code}' steht doppelt", where))
        else:
            out.append(code)
    if out and out[0] != SOURCE_LANGUAGE:
        problems.append(Problem("[service]: 'languages' muss mit \"de\" beginnen (Deutsch ist "
                                "die Sprache der Termine; die anderen sind Übersetzungen)",
                                where))
    return tuple(out) if out and out[0] == SOURCE_LANGUAGE else (SOURCE_LANGUAGE,)


def read_memory_path(value: str, base: Path, problems: list[Problem]) -> str:
    """The translation memory file (relative to the config folder); it must exist."""
    path = (base / value).resolve()
    if not path.is_file():
        problems.append(Problem(f"[service]: 'translations' – Datei '{value}' nicht gefunden",
                                ("service", "translations")))
        return ""
    return str(path)


def read_source_language(value: object, label: str, where: tuple,
                         problems: list[Problem]) -> str:
    if not known_language(value):
        problems.append(Problem(f"{label}: 'language' – '{value}' ist kein bekanntes "
                                "Sprachkürzel (z. B. \"uk\")", where + ("language",)))
        return SOURCE_LANGUAGE
    return str(value)
