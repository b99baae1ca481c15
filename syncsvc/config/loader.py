"""Read and validate ``syncsvc.toml`` into the records of ``config.records``.

Every problem is collected and reported together (``ConfigError``) with the file, the
source id and the key to fix. Relative paths resolve against the config file's folder.
The package re-exports the records, so ``config.Settings`` reads as it always did.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from .records import DedupeSettings, Settings, SourceConfig

__all__ = ["DEFAULT_PATH", "KINDS", "DedupeSettings", "Settings", "SourceConfig", "load",
           "parse_interval", "resolve_path"]

DEFAULT_PATH = Path("config/syncsvc.toml")
KINDS = ("ics", "feed", "schedule")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smh])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600}


_SERVICE_KEYS = {
    "name": str, "timezone": str, "output_dir": str, "database": str, "base_url": str,
    "interval": str, "port": int, "bind": str, "feeds_dir": str, "max_bytes": int,
    "connect_timeout": (int, float), "total_timeout": (int, float), "past_days": int,
    "future_months": int, "max_occurrences": int, "shrink_ratio": (int, float),
    "shrink_min_events": int, "shrink_confirmations": int, "stale_after": str,
    "admin_token_env": str, "log_format": str, "school_holidays": str,
    "allow_private_networks": bool,
}
_SOURCE_KEYS = {
    "id": str, "name": str, "url": str, "kind": str, "priority": int, "interval": str,
    "categories": list, "enabled": bool, "auth_env": str, "token_env": str,
}
_DEDUPE_KEYS = {
    "title_threshold": (int, float), "time_tolerance_min": int, "location_bonus": (int, float),
    "news_title_threshold": (int, float), "force_together": list, "force_apart": list,
    "synonyms": list,
}


def parse_interval(text: str) -> int:
    """'30m' → 1800. Raises ValueError on anything else."""
    m = _INTERVAL.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"'{text}' ist kein Intervall (erwartet z. B. 90s, 30m, 2h)")
    return int(m.group(1)) * _UNITS[m.group(2)]


def resolve_path(env: dict | None = None, cli_path: str | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(cli_path or env.get("SYNCSVC_CONFIG") or DEFAULT_PATH)


def load(path: Path | str) -> Settings:
    """Load and validate the config file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), ["Datei nicht gefunden"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), [f"kein gültiges TOML: {e}"]) from None
    return _build(path.resolve(), data)


def _build(path: Path, data: dict) -> Settings:
    problems: list[str] = []
    base = path.parent
    for key in data:
        if key not in ("service", "sources", "dedupe"):
            problems.append(f"unbekannter Abschnitt [{key}]")
    svc = _section(data.get("service", {}), "[service]", _SERVICE_KEYS, problems)
    settings = _service(path, base, svc, problems)
    dd = _section(data.get("dedupe", {}), "[dedupe]", _DEDUPE_KEYS, problems)
    settings = replace(settings, dedupe=_dedupe(dd, problems))
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        problems.append("[[sources]] muss eine Liste von Tabellen sein")
        raw_sources = []
    sources = _sources(raw_sources, settings, problems)
    if problems:
        raise ConfigError(str(path), problems)
    return replace(settings, sources=tuple(sources))


def _section(raw: object, label: str, schema: dict, problems: list[str]) -> dict:
    if not isinstance(raw, dict):
        problems.append(f"{label} muss eine Tabelle sein")
        return {}
    out = {}
    for key, value in raw.items():
        if key not in schema:
            problems.append(f"{label}: unbekannter Schlüssel '{key}'")
        elif not isinstance(value, schema[key]) or (
            isinstance(value, bool) and schema[key] is not bool
        ):
            problems.append(f"{label}: '{key}' hat den falschen Typ ({type(value).__name__})")
        else:
            out[key] = value
    return out


def _interval(value: str, where: str, problems: list[str], default: int) -> int:
    try:
        return parse_interval(value)
    except ValueError as e:
        problems.append(f"{where}: 'interval' {e}")
        return default


def _service(path: Path, base: Path, svc: dict, problems: list[str]) -> Settings:
    s = Settings(config_path=path, output_dir=base / "../public",
                 database=base / "../var/syncsvc.db", feeds_dir=base / "../feeds")
    simple = {k: svc[k] for k in ("name", "base_url", "port", "bind", "max_bytes", "past_days",
                                   "future_months", "max_occurrences", "shrink_min_events",
                                   "shrink_confirmations", "log_format",
                                   "allow_private_networks") if k in svc}
    s = replace(s, **simple)
    for key in ("output_dir", "database", "feeds_dir"):
        if key in svc:
            s = replace(s, **{key: (base / svc[key])})
    s = replace(s, output_dir=s.output_dir.resolve(), database=s.database.resolve(),
                feeds_dir=s.feeds_dir.resolve())
    if "timezone" in svc:
        try:
            ZoneInfo(svc["timezone"])
            s = replace(s, timezone=svc["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"[service]: 'timezone' '{svc['timezone']}' ist keine bekannte Zeitzone"
            )
    if "interval" in svc:
        s = replace(s, interval_s=_interval(svc["interval"], "[service]", problems, s.interval_s))
    if "stale_after" in svc:
        s = replace(s, stale_after_s=_interval(svc["stale_after"], "[service] stale_after",
                                               problems, s.stale_after_s))
    if "connect_timeout" in svc:
        s = replace(s, connect_timeout_s=float(svc["connect_timeout"]))
    if "total_timeout" in svc:
        s = replace(s, total_timeout_s=float(svc["total_timeout"]))
    if "shrink_ratio" in svc:
        s = replace(s, shrink_ratio=float(svc["shrink_ratio"]))
    if "admin_token_env" in svc:
        s = replace(s, admin_token=os.environ.get(svc["admin_token_env"], ""))
    if "school_holidays" in svc:
        s = replace(s, school_holidays=svc["school_holidays"])
    if not _is_http(s.base_url):
        problems.append(f"[service]: 'base_url' '{s.base_url}' ist keine http(s)-Adresse")
    if s.log_format not in ("text", "json"):
        problems.append("[service]: 'log_format' muss \"text\" oder \"json\" sein")
    if not 0 < s.port < 65536:
        problems.append(f"[service]: 'port' {s.port} liegt nicht zwischen 1 und 65535")
    if not _is_http(s.school_holidays):
        s = replace(s, school_holidays=str((base / s.school_holidays).resolve()))
    return s


def _dedupe(dd: dict, problems: list[str]) -> DedupeSettings:
    d = DedupeSettings()
    for key in ("title_threshold", "location_bonus", "news_title_threshold"):
        if key in dd:
            d = replace(d, **{key: float(dd[key])})
    if "time_tolerance_min" in dd:
        d = replace(d, time_tolerance_min=dd["time_tolerance_min"])
    together, apart = [], []
    for group in dd.get("force_together", []):
        if _refs_ok(group, problems, "force_together"):
            together.append(tuple(group))
    for pair in dd.get("force_apart", []):
        if _refs_ok(pair, problems, "force_apart") and len(pair) == 2:
            apart.append(tuple(pair))
        elif isinstance(pair, list) and len(pair) != 2:
            problems.append("[dedupe]: jeder Eintrag in 'force_apart' braucht genau zwei Einträge")
    return replace(d, force_together=tuple(together), force_apart=tuple(apart),
                   synonyms=_synonyms(dd.get("synonyms", []), problems))


def _synonyms(groups: list, problems: list[str]) -> tuple[tuple[str, ...], ...]:
    """[["Sprachcafé", "Language Café"], …]: each group names one thing, first spelling wins."""
    out = []
    for n, group in enumerate(groups, start=1):
        if (not isinstance(group, list) or len(group) < 2
                or not all(isinstance(w, str) and w.strip() for w in group)):
            problems.append(f"[dedupe]: 'synonyms' Eintrag {n} muss eine Liste aus mindestens "
                            'zwei Bezeichnungen sein, z. B. ["Sprachcafé", "Language Café"]')
            continue
        out.append(tuple(w.strip() for w in group))
    return tuple(out)


def _refs_ok(group: object, problems: list[str], key: str) -> bool:
    if not isinstance(group, list) or not all(
        isinstance(r, str) and ":" in r for r in group
    ):
        problems.append(f"[dedupe]: '{key}' erwartet Listen von \"quelle:UID\"")
        return False
    return True


def _sources(raw_sources: list, settings: Settings, problems: list[str]) -> list[SourceConfig]:
    seen: set[str] = set()
    out = []
    for n, raw in enumerate(raw_sources, start=1):
        label = f"[[sources]] Nr. {n}"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            label = f"Quelle '{raw['id']}'"
        src = _section(raw, label, _SOURCE_KEYS, problems)
        built = _source(src, label, settings, problems)
        if built is None:
            continue
        if built.id in seen:
            problems.append(f"{label}: 'id' ist doppelt vergeben")
        seen.add(built.id)
        out.append(built)
    return out


def _source(src: dict, label: str, settings: Settings, problems: list[str]):
    missing = [k for k in ("id", "url", "kind") if k not in src]
    for key in missing:
        problems.append(f"{label}: Pflichtschlüssel '{key}' fehlt")
    if missing:
        return None
    ok = True
    if not _SLUG.match(src["id"]):
        problems.append(f"{label}: 'id' darf nur a-z, 0-9 und - enthalten")
        ok = False
    if src["kind"] not in KINDS:
        problems.append(f"{label}: 'kind' muss einer von {', '.join(KINDS)} sein")
        ok = False
    url = _source_url(src["url"], label, settings, problems)
    cats = src.get("categories", [])
    if not all(isinstance(c, str) and c.strip() for c in cats):
        problems.append(f"{label}: 'categories' muss eine Liste von Texten sein")
        cats = []
    interval = settings.interval_s
    if "interval" in src:
        interval = _interval(src["interval"], label, problems, interval)
    if not ok or url is None:
        return None
    return SourceConfig(
        id=src["id"], name=src.get("name", src["id"]), url=url, kind=src["kind"],
        priority=src.get("priority", 0), interval_s=interval,
        categories=tuple(c.strip() for c in cats), enabled=src.get("enabled", True),
        auth_env=src.get("auth_env", ""), token_env=src.get("token_env", ""),
    )


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _source_url(url: str, label: str, settings: Settings, problems: list[str]) -> str | None:
    """A source is an http(s) URL or a file inside the feeds folder; nothing else."""
    if url.startswith(("http://", "https://")):
        if _is_http(url):
            return url
        problems.append(f"{label}: 'url' '{url}' ist keine gültige Adresse")
        return None
    if "://" in url or url.startswith("file:"):
        problems.append(f"{label}: 'url' erlaubt nur http(s)-Adressen oder Dateien in feeds/")
        return None
    local = (settings.config_path.parent / url).resolve()
    if not local.is_relative_to(settings.feeds_dir):
        problems.append(
            f"{label}: 'url' Datei '{url}' liegt nicht im Ordner {settings.feeds_dir}"
        )
        return None
    return str(local)
