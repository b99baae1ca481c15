"""What a partner's server answers and what we send it: credentials from the environment,
redirect targets checked, HTTP status codes as German sentences for admins.
"""

from __future__ import annotations

import os
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from ..config import SourceConfig
from ..errors import FetchError
from . import limits

RETRY_CODES = (429, 500, 502, 503, 504)
STATUS_TEXT = {
    401: "Anmeldung erforderlich oder Zugangsdaten falsch",
    403: "Zugriff verweigert",
    404: "Adresse nicht gefunden",
    410: "Quelle wurde dauerhaft entfernt",
    429: "zu viele Anfragen",
    500: "interner Fehler auf dem Server des Partners",
    502: "Gateway-Fehler vor dem Server des Partners",
    503: "Dienst vorübergehend nicht verfügbar",
    504: "Gateway-Zeitüberschreitung vor dem Server des Partners",
}


class Bearer(AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def ca_bundle() -> str | bool:
    """The CA bundle the environment names (as requests would with trust_env), else True."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def credentials(source: SourceConfig) -> AuthBase | None:
    """Credentials from the environment variables the config names (never from the config)."""
    if source.auth_env:
        user, sep, password = os.environ.get(source.auth_env, "").partition(":")
        if not sep or not user:
            raise FetchError(source.id, f"Zugangsdaten fehlen: Umgebungsvariable "
                             f"{source.auth_env} ist nicht als „benutzer:passwort“ gesetzt")
        return HTTPBasicAuth(user, password)
    if source.token_env:
        token = os.environ.get(source.token_env, "").strip()
        if not token:
            raise FetchError(source.id, f"Zugangsdaten fehlen: Umgebungsvariable "
                             f"{source.token_env} ist leer oder nicht gesetzt")
        return Bearer(token)
    return None


def redirect_target(sid: str, url: str, resp: requests.Response, seen: set[str]) -> str:
    location = resp.headers.get("Location", "").strip()
    if not location:
        raise FetchError(sid, f"HTTP {resp.status_code}: Weiterleitung ohne Zieladresse",
                         http_status=resp.status_code)
    target = urljoin(url, location)
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme.isalnum() and len(scheme) <= 12 else "unbekannt"
        raise FetchError(sid, f"Weiterleitung auf eine nicht erlaubte Adresse ({shown}) "
                         "abgelehnt – nur http(s) ist erlaubt", http_status=resp.status_code)
    if target in seen:
        raise FetchError(sid, "Weiterleitungsschleife: der Server leitet im Kreis weiter",
                         http_status=resp.status_code)
    seen.add(target)
    return target


def status_error(sid: str, resp: requests.Response) -> FetchError:
    code = resp.status_code
    text = STATUS_TEXT.get(code) or (
        "Fehler auf dem Server des Partners" if code >= 500
        else "Anfrage vom Server abgelehnt" if code >= 400 else "unerwartete Antwort")
    retry_after = None
    if code in RETRY_CODES:
        retry_after = limits.parse_retry_after(resp.headers.get("Retry-After", ""))
    if retry_after is not None:
        text += f" (erneut versuchen in {limits.num(retry_after)} s)"
    return FetchError(sid, f"HTTP {code}: {text}", http_status=code, retry_after=retry_after,
                      gone=code == 410)
