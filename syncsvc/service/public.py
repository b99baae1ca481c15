"""The public ``/status``: the same document as /admin's, without what only admins need.

/status is unauthenticated and often reachable from the internet. Error texts name the
partner's host ("Adresse partner.intern zeigt ins interne Netz (10.0.0.5)"), file paths
of the server (the holiday file, the config file in a refused reload) and IP addresses;
those are masked here. Health, counts and times stay, so a partner can still see that
their feed fails, and the admin reads the full text on /admin.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ..config import Settings

HIDDEN = "[verborgen]"
_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*")


def public_status(doc: dict, settings: Settings) -> dict:
    """A copy of ``doc`` with host names, IP addresses and server paths masked."""
    hidden = _private_words(settings)
    out = dict(doc)
    out["sources"] = [{k: _mask(v, hidden) if isinstance(v, str) and k != "id" else v
                       for k, v in s.items()} for s in doc.get("sources", [])]
    out["warnings"] = [_mask(w, hidden) for w in doc.get("warnings", [])]
    if doc.get("config_error"):
        out["config_error"] = _mask(str(doc["config_error"]), hidden)
    return out


def _private_words(settings: Settings) -> list[str]:
    words = {urlsplit(s.url).hostname or "" for s in settings.sources}
    for path in (settings.config_path, settings.school_holidays, settings.database,
                 settings.feeds_dir, settings.output_dir,
                 *(s.url for s in settings.sources if s.is_local)):
        text = str(path)
        words |= {text, text.rsplit("/", 1)[0]} if "/" in text else {text}
    return sorted((w for w in words if len(w) > 3), key=len, reverse=True)


def _mask(text: str, hidden: list[str]) -> str:
    for word in hidden:
        text = text.replace(word, HIDDEN)
    return _CANDIDATE.sub(lambda m: HIDDEN if _is_ip(m.group(0)) else m.group(0), text)


def _is_ip(token: str) -> bool:
    token = token.strip(".:")
    try:
        ipaddress.ip_address(token)
    except ValueError:
        return False
    return True
