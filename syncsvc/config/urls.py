"""What a source's ``url`` may be, judged the way an admin would want to hear it.

A source is an http(s) URL or a file inside the feeds folder; nothing else. Typos that
used to slip through (``http//…`` was reported as "a file outside feeds/", a space in a
URL passed) get their own German sentence; credentials written into a URL and addresses
no partner would use (plain IP, unusual port) are warnings, never echoed with the secret.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

from .problems import Problem, mask

BAD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    "\u200b-\u200d\u2060\u202a-\u202e\u2066-\u2069\ufeff]"
)  # controls, surrogates, zero-width and bidi marks
_HTTP_LIKE = re.compile(r"^(https?|htps?|htt?ps?|http?s?)\s*[:;./\\]*/", re.I)


def is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def url_problems(url: str, label: str, where: tuple) -> list[Problem]:
    """Errors and warnings for an http(s) URL or a near miss of one (empty: fine/local)."""
    shown = mask(url)
    if any(c.isspace() for c in url):
        return [Problem(f"{label}: 'url' '{shown}' enthält ein Leerzeichen – Leerzeichen in "
                        "Adressen als %20 schreiben oder die Adresse neu kopieren", where)]
    if not url.startswith(("http://", "https://")):
        m = _HTTP_LIKE.match(url)
        if m and "://" not in url[:10]:
            scheme = "https" if m.group(1).lower().endswith("s") else "http"
            rest = url[m.end():].lstrip("/")
            return [Problem(f"{label}: 'url' '{shown}' ist keine gültige Adresse – meinten "
                            f"Sie `{scheme}://{mask(rest)}`?", where)]
        return []
    if not is_http(url):
        return [Problem(f"{label}: 'url' '{shown}' ist keine gültige Adresse", where)]
    return _warnings(url, shown, label, where)


def _warnings(url: str, shown: str, label: str, where: tuple) -> list[Problem]:
    parts = urlsplit(url)
    out = []
    if parts.password or parts.username:
        out.append(Problem(f"{label}: 'url' '{shown}' enthält Zugangsdaten – die gehören "
                           "nicht in die Adresse; bitte 'auth_env' verwenden (Name einer "
                           "Umgebungsvariable mit „benutzer:passwort“)", where, warning=True))
    try:
        ipaddress.ip_address(parts.hostname or "")
        out.append(Problem(f"{label}: 'url' '{shown}' nennt eine IP-Adresse statt eines "
                           "Namens – ungewöhnlich für eine Partner-Website", where,
                           warning=True))
    except ValueError:
        pass
    try:
        port = parts.port
    except ValueError:
        return [Problem(f"{label}: 'url' '{shown}' hat einen ungültigen Port", where)]
    if port not in (None, 80, 443, 8080, 8443):
        out.append(Problem(f"{label}: 'url' '{shown}' nutzt den ungewöhnlichen Port {port}",
                           where, warning=True))
    return out


def safe_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL (user info removed), else ""."""
    if not url:
        return ""
    url = BAD_CHARS.sub("", url).strip()
    if any(c.isspace() for c in url):
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def link_base(url: str) -> str:
    """An http(s) URL as a base for relative links: no user info, query or fragment."""
    safe = safe_url(url)
    if not safe:
        return ""
    parts = urlsplit(safe)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
