"""The ``[[sources]]`` list: each source checked on its own, every problem collected.

A source is an http(s) URL (checked by ``config.urls``) or a file inside the feeds
folder; ids are slugs and unique, kinds one of ``KINDS``.
"""

from __future__ import annotations

import re

from .languages import SOURCE_LANGUAGE, read_source_language
from .problems import Problem, suggest
from .records import Settings, SourceConfig
from .sections import read_interval, read_section
from .urls import url_problems

KINDS = ("ics", "feed", "schedule", "csv")
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # also checked by `add-source --id`
MAX_ID = 64
SOURCE_KEYS = {
    "id": str, "name": str, "url": str, "kind": str, "priority": int, "interval": str,
    "categories": list, "enabled": bool, "auth_env": str, "token_env": str, "language": str,
}


def read_sources(raw_sources: list, settings: Settings, problems: list[Problem]
             ) -> list[SourceConfig]:
    seen: set[str] = set()
    out = []
    for n, raw in enumerate(raw_sources, start=1):
        label, where = f"[[sources]] Nr. {n}", ("sources", n - 1)
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            label = f"Quelle '{raw['id']}'"
        src = read_section(raw, label, SOURCE_KEYS, problems, where)
        built = _source(src, label, settings, problems, where)
        if built is None:
            continue
        if built.id in seen:
            problems.append(Problem(f"{label}: 'id' ist doppelt vergeben", where + ("id",)))
        seen.add(built.id)
        out.append(built)
    return out


def _source(src: dict, label: str, settings: Settings, problems: list[Problem], where: tuple):
    missing = [k for k in ("id", "url", "kind") if k not in src]
    for key in missing:
        problems.append(Problem(f"{label}: Pflichtschlüssel '{key}' fehlt", where))
    if missing:
        return None
    ok = True
    if not SOURCE_ID.match(src["id"]):
        problems.append(Problem(f"{label}: 'id' darf nur a-z, 0-9 und - enthalten",
                                where + ("id",)))
        ok = False
    elif len(src["id"]) > MAX_ID:  # it names folders and files of the views (publish)
        problems.append(Problem(f"{label}: 'id' ist {len(src['id'])} Zeichen lang – höchstens "
                                f"{MAX_ID}, denn die Kennung steht in Adressen und "
                                "Dateinamen", where + ("id",)))
        ok = False
    if src["kind"] not in KINDS:
        problems.append(Problem(f"{label}: 'kind' muss einer von {', '.join(KINDS)} sein"
                                f"{suggest(src['kind'], KINDS)}", where + ("kind",)))
        ok = False
    url = _source_url(src["url"], label, settings, problems, where + ("url",))
    cats = src.get("categories", [])
    if not all(isinstance(c, str) and c.strip() for c in cats):
        problems.append(Problem(f"{label}: 'categories' muss eine Liste von Texten sein",
                                where + ("categories",)))
        cats = []
    interval = settings.interval_s
    if "interval" in src:
        interval = read_interval(src["interval"], label, problems, interval, where)
    language = SOURCE_LANGUAGE
    if "language" in src:
        language = read_source_language(src["language"], label, where, problems)
    if not ok or url is None:
        return None
    return SourceConfig(
        id=src["id"], name=src.get("name", src["id"]), url=url, kind=src["kind"],
        priority=src.get("priority", 0), interval_s=interval,
        categories=tuple(c.strip() for c in cats), enabled=src.get("enabled", True),
        auth_env=src.get("auth_env", ""), token_env=src.get("token_env", ""),
        language=language,
    )


def _source_url(url: str, label: str, settings: Settings, problems: list[Problem],
                where: tuple) -> str | None:
    """A source is an http(s) URL or a file inside the feeds folder; nothing else."""
    found = url_problems(url, label, where)
    problems += found
    if any(not p.warning for p in found):
        return None
    if url.startswith(("http://", "https://")):
        return url
    if "://" in url or url.startswith("file:"):
        problems.append(Problem(f"{label}: 'url' erlaubt nur http(s)-Adressen oder Dateien "
                                "in feeds/", where))
        return None
    local = (settings.config_path.parent / url).resolve()
    if not local.is_relative_to(settings.feeds_dir):
        problems.append(Problem(
            f"{label}: 'url' Datei '{url}' liegt nicht im Ordner {settings.feeds_dir}", where))
        return None
    return str(local)
