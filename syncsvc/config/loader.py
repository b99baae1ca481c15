"""Read and validate ``syncsvc.toml`` into the records of ``config.records``.

Every problem is collected and reported together (``ConfigError``) with the file, the
source id and the key to fix. Relative paths resolve against the config file's folder.
The package re-exports the records, so ``config.Settings`` reads as it always did.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from .languages import read_languages, read_memory_path
from .problems import Problem, read_toml, suggest
from .records import DedupeSettings, Settings, SourceConfig, SubmissionSettings
from .sections import parse_interval, read_interval, read_section
from .smtp import KEYS as _SMTP_KEYS
from .smtp import read_smtp, without_passwords
from .sources import KINDS, read_sources
from .urls import is_http

__all__ = ["DEFAULT_PATH", "KINDS", "DedupeSettings", "Settings", "SourceConfig", "load",
           "parse_interval", "resolve_path"]

DEFAULT_PATH = Path("config/syncsvc.toml")  # the bundled default
LOCAL_PATH = Path("local/syncsvc.toml")  # the admin's own copy (scripts/init-local.sh)
DEFAULT_TOKEN_ENV = "SYNCSVC_ADMIN_TOKEN"
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


_SERVICE_KEYS = {
    "name": str, "timezone": str, "output_dir": str, "database": str, "base_url": str,
    "interval": str, "port": int, "bind": str, "feeds_dir": str, "max_bytes": int,
    "connect_timeout": (int, float), "total_timeout": (int, float), "past_days": int,
    "future_months": int, "max_occurrences": int, "shrink_ratio": (int, float),
    "shrink_min_events": int, "shrink_confirmations": int, "stale_after": str,
    "admin_token_env": str, "log_format": str, "school_holidays": str,
    "allow_private_networks": bool, "proxy": str, "impressum_url": str,
    "datenschutz_url": str, "languages": list, "translations": str, "trusted_proxies": list,
}
_DEDUPE_KEYS = {
    "title_threshold": (int, float), "time_tolerance_min": int, "location_bonus": (int, float),
    "news_title_threshold": (int, float), "force_together": list, "force_apart": list,
    "synonyms": list,
}
_SUBMISSION_KEYS = {"enabled": bool, "keep_contact_days": int, "rate_limit": int,
                    "min_seconds": (int, float), **_SMTP_KEYS}
_SECTIONS = ("service", "sources", "dedupe", "submissions")


def _submissions(sub: dict, problems: list[Problem]) -> SubmissionSettings:
    for key in ("keep_contact_days", "rate_limit", "min_seconds"):
        if key in sub and sub[key] < 0:
            problems.append(Problem(f"[submissions]: '{key}' darf nicht negativ sein",
                                    ("submissions", key)))
            sub = {k: v for k, v in sub.items() if k != key}
    values: dict[str, Any] = {k: float(v) if k == "min_seconds" else v for k, v in sub.items()
                              if k not in _SMTP_KEYS}
    return SubmissionSettings(**values, **read_smtp(sub, problems))


def resolve_path(env: Mapping[str, str] | None = None, cli_path: str | None = None,
                 cwd: Path | None = None) -> Path:
    """--config, else SYNCSVC_CONFIG, else the admin's local/syncsvc.toml when it exists
    (git ignores local/, so an update never meets an admin's edit), else the default."""
    environ = os.environ if env is None else env
    explicit = cli_path or environ.get("SYNCSVC_CONFIG")
    if explicit:
        return Path(explicit)
    base = Path() if cwd is None else cwd
    return base / LOCAL_PATH if (base / LOCAL_PATH).is_file() else base / DEFAULT_PATH


def load(path: Path | str) -> Settings:
    """Load and validate the config file; raise ConfigError listing every problem."""
    return load_with_warnings(path)[0]


def load_with_warnings(path: Path | str) -> tuple[Settings, list[Problem]]:
    """Like ``load``, plus the warnings (short intervals, odd URLs) ``check`` shows."""
    path = Path(path)
    data, _text = read_toml(path)
    warnings: list[Problem] = []
    return _build(path.resolve(), data, warnings), warnings


def _build(path: Path, data: dict, warnings: list[Problem]) -> Settings:
    problems: list[Problem] = []
    base = path.parent
    for key in data:
        if key not in _SECTIONS:
            problems.append(Problem(f"unbekannter Abschnitt [{key}]"
                                    f"{suggest(key, _SECTIONS)}",
                                    (key,)))
    svc = read_section(data.get("service", {}), "[service]", _SERVICE_KEYS, problems, ("service",))
    settings = _service(path, base, svc, problems)
    dd = read_section(data.get("dedupe", {}), "[dedupe]", _DEDUPE_KEYS, problems, ("dedupe",))
    settings = replace(settings, dedupe=_dedupe(dd, problems))
    sub = read_section(without_passwords(data.get("submissions", {}), problems),
                       "[submissions]", _SUBMISSION_KEYS, problems, ("submissions",))
    settings = replace(settings, submissions=_submissions(sub, problems))
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        problems.append(Problem("[[sources]] muss eine Liste von Tabellen sein", ("sources",)))
        raw_sources = []
    sources = read_sources(raw_sources, settings, problems)
    warnings += [p for p in problems if p.warning]
    problems = [p for p in problems if not p.warning]
    if problems:
        raise ConfigError(str(path), problems)
    return replace(settings, sources=tuple(sources))


def _service(path: Path, base: Path, svc: dict, problems: list[Problem]) -> Settings:
    s = Settings(config_path=path, output_dir=base / "../public",
                 database=base / "../var/syncsvc.db", feeds_dir=base / "../feeds")
    simple = {k: svc[k] for k in ("name", "base_url", "port", "bind", "max_bytes", "past_days",
                                   "future_months", "max_occurrences", "shrink_min_events",
                                   "shrink_confirmations", "log_format",
                                   "allow_private_networks", "impressum_url",
                                   "datenschutz_url") if k in svc}
    s = replace(s, **simple)
    for key in ("output_dir", "database", "feeds_dir"):
        if key in svc:
            s = replace(s, **{key: (base / svc[key])})
    s = replace(s, output_dir=s.output_dir.resolve(), database=s.database.resolve(),
                feeds_dir=s.feeds_dir.resolve())
    here = ("service",)
    if "timezone" in svc:
        try:
            ZoneInfo(svc["timezone"])
            s = replace(s, timezone=svc["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(f"[service]: 'timezone' '{svc['timezone']}' ist keine "
                                    f"bekannte Zeitzone (z. B. \"{s.timezone}\")",
                                    here + ("timezone",)))
    if "interval" in svc:
        s = replace(s, interval_s=read_interval(svc["interval"], "[service]", problems,
                                            s.interval_s, here))
    if "stale_after" in svc:
        s = replace(s, stale_after_s=read_interval(svc["stale_after"], "[service]", problems,
                                               s.stale_after_s, here, "stale_after"))
    for key in ("connect_timeout", "total_timeout", "shrink_ratio"):
        if key in svc:
            field = key if key == "shrink_ratio" else f"{key}_s"
            changes: dict[str, Any] = {field: float(svc[key])}
            s = replace(s, **changes)
    # The token is read from SYNCSVC_ADMIN_TOKEN unless the config names another variable:
    # a set token must never be ignored (fail closed).
    s = replace(s, admin_token=os.environ.get(svc.get("admin_token_env", DEFAULT_TOKEN_ENV), ""))
    if "school_holidays" in svc:
        s = replace(s, school_holidays=svc["school_holidays"])
    if "proxy" in svc:
        if svc["proxy"] and not is_http(svc["proxy"]):
            problems.append(Problem("[service]: 'proxy' muss eine http(s)-Adresse sein",
                                    here + ("proxy",)))
        s = replace(s, proxy=svc["proxy"])
    if "trusted_proxies" in svc:
        s = replace(s, trusted_proxies=_trusted_proxies(svc["trusted_proxies"], problems))
    if not is_http(s.base_url):
        problems.append(Problem(f"[service]: 'base_url' '{s.base_url}' ist keine "
                                "http(s)-Adresse", here + ("base_url",)))
    for key in ("impressum_url", "datenschutz_url"):
        if getattr(s, key) and not is_http(getattr(s, key)):
            problems.append(Problem(f"[service]: '{key}' '{getattr(s, key)}' ist keine "
                                    "http(s)-Adresse", here + (key,)))
    if s.log_format not in ("text", "json"):
        problems.append(Problem("[service]: 'log_format' muss \"text\" oder \"json\" sein",
                                here + ("log_format",)))
    if not 0 < s.port < 65536:
        problems.append(Problem(f"[service]: 'port' {s.port} liegt nicht zwischen 1 und 65535",
                                here + ("port",)))
    if "languages" in svc:
        s = replace(s, languages=read_languages(svc["languages"], problems))
    if svc.get("translations"):
        s = replace(s, translations=read_memory_path(svc["translations"], base, problems))
    if not is_http(s.school_holidays):
        s = replace(s, school_holidays=str((base / s.school_holidays).resolve()))
    return s


def _trusted_proxies(values: list, problems: list[Problem]) -> tuple[str, ...]:
    """["127.0.0.1", "10.0.0.0/8", "proxy"]: addresses, networks or host names."""
    out = []
    for value in values:
        text = value.strip() if isinstance(value, str) else ""
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            if not _HOST.match(text):
                problems.append(Problem(
                    f"[service]: 'trusted_proxies' {value!r} ist weder eine IP-Adresse noch "
                    "ein Netz (z. B. \"172.16.0.0/12\") noch ein Rechnername",
                    ("service", "trusted_proxies")))
                continue
        out.append(text)
    return tuple(out)


def _dedupe(dd: dict, problems: list[Problem]) -> DedupeSettings:
    d = DedupeSettings()
    for key in ("title_threshold", "location_bonus", "news_title_threshold"):
        if key in dd:
            changes: dict[str, Any] = {key: float(dd[key])}
            d = replace(d, **changes)
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
            problems.append(Problem("[dedupe]: jeder Eintrag in 'force_apart' braucht genau "
                                    "zwei Einträge", ("dedupe", "force_apart")))
    return replace(d, force_together=tuple(together), force_apart=tuple(apart),
                   synonyms=_synonyms(dd.get("synonyms", []), problems))


def _synonyms(groups: list, problems: list[Problem]) -> tuple[tuple[str, ...], ...]:
    """[["Sprachcafé", "Language Café"], …]: each group names one thing, first spelling wins."""
    out = []
    for n, group in enumerate(groups, start=1):
        if (not isinstance(group, list) or len(group) < 2
                or not all(isinstance(w, str) and w.strip() for w in group)):
            problems.append(Problem(f"[dedupe]: 'synonyms' Eintrag {n} muss eine Liste aus "
                                    "mindestens zwei Bezeichnungen sein, z. B. "
                                    '["Sprachcafé", "Language Café"]', ("dedupe", "synonyms")))
            continue
        out.append(tuple(w.strip() for w in group))
    return tuple(out)


def _refs_ok(group: object, problems: list[Problem], key: str) -> bool:
    if not isinstance(group, list) or not all(
        isinstance(r, str) and ":" in r for r in group
    ):
        problems.append(Problem(f"[dedupe]: '{key}' erwartet Listen von \"quelle:UID\"",
                                ("dedupe", key)))
        return False
    return True

