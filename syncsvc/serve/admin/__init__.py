"""The read-only admin status page at ``/admin``: German, server-rendered, no JavaScript.

Access: with ``admin_token`` configured, a request needs ``Authorization: Bearer <token>`` or
the session cookie set by the login form at ``/admin/login`` (a random id of a server-side
session, ``session``; never the token itself). Without a token the page is served only when
every socket the service listens on is a loopback one (``bound``: the sockets actually
bound at start, not the ``bind`` of a config reloaded since).
The HTML comes from ``page`` (every value html-escaped), the charts from ``chart``; the
moderation of „Termin melden“ under ``/admin/meldungen`` from ``moderation``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable, Sequence
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from ...config import Settings
from ...logs import fields
from ..client import client_of
from .auth import Throttle
from .chart import Stored, WeekCache
from .moderation import PATH as MODERATION
from .moderation import Moderate, make_moderation, with_link
from .page import render_login, render_page
from .session import Sessions, token_mark

log = logging.getLogger(__name__)

COOKIE = "syncsvc_admin"
_MAX_FORM = 4096
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'")
LOOPBACK_NAMES = ("localhost",)

Response = tuple[int, list[tuple[str, str]], bytes]


def make_admin(get_settings: Callable[[], Settings], status: Callable[[], dict],
               stored: Stored, moderate: Moderate | None = None, *,
               sessions: Sessions | None = None,
               bound: Callable[[], Sequence[str]] | None = None) -> Callable[[dict], Response]:
    """Build the admin handler the serve stage calls for every path under ``/admin``;
    ``stored`` reads the stored events through the service (``chart.WeekCache``);
    ``moderate`` (from the service) enables ``/admin/meldungen`` (``moderation``).
    Build it once per process: it holds the logins (``sessions``) and the failed
    attempts, which a config reload must not forget. ``bound`` names the addresses the
    server listens on (the daemon's sockets); without it the config's ``bind`` counts."""
    weeks, throttle = WeekCache(stored), Throttle()
    sessions = Sessions() if sessions is None else sessions
    mod = make_moderation(get_settings, moderate, _html,
                          csrf_session) if moderate is not None else None

    def admin(environ: dict) -> Response:
        settings = get_settings()
        path = (environ.get("PATH_INFO") or "/admin").rstrip("/") or "/admin"
        method = environ.get("REQUEST_METHOD", "GET")
        client = client_of(environ)  # behind a trusted proxy: the real client
        attempt = bool(environ.get("HTTP_AUTHORIZATION")) or (
            path == "/admin/login" and method == "POST")
        if not settings.admin_token:
            hosts = bound() if bound is not None else (settings.bind,)
            if not hosts or not all(is_loopback(h) for h in hosts):
                return _forbidden()
            if path == "/admin/login":
                return _redirect("/admin")
        elif attempt and (wait := throttle.retry_after(client)):
            log.warning("admin attempt from %s refused: too many wrong tokens", client,
                        extra=fields(source="*"))
            return _too_many(settings, wait)
        elif path == "/admin/login":
            return _login(settings, environ, method, throttle, client, sessions)
        elif path == "/admin/logout":
            return _logout(settings, environ, method, sessions)
        elif not authorized(settings.admin_token, environ, sessions):
            if attempt:
                throttle.failed(client)
            return _html(401, render_login(settings.name, wrong=attempt),
                         [("WWW-Authenticate", 'Bearer realm="syncsvc-admin"')])
        if attempt:
            throttle.succeeded(client)
        if mod is not None and (path == MODERATION or path.startswith(MODERATION + "/")):
            return mod(environ, path, method)
        if path != "/admin":
            return _html(404, render_login(settings.name, note="Diese Seite gibt es nicht.",
                                           form=False))
        if method not in ("GET", "HEAD"):
            return _html(405, b"", [("Allow", "GET, HEAD")])
        counts = weeks.get(settings)
        page = render_page(settings, status(), counts, logout=bool(settings.admin_token))
        return _html(200, with_link(page, settings) if mod is not None else page)

    return admin


def is_loopback(bind: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost; False for 0.0.0.0, :: and real addresses."""
    host = bind.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authorized(token: str, environ: dict, sessions: Sessions) -> bool:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, given = header.partition(" ")
    if header:
        return scheme.lower() == "bearer" and _same(given.strip(), token)
    return sessions.valid(_cookie(environ), token)


def csrf_session(environ: dict, settings: Settings) -> str:
    """What a CSRF token of an authorized request is bound to: its session id (so a
    token of another or an ended login is refused), the token for ``Bearer`` scripts."""
    if not settings.admin_token:
        return "loopback"
    if environ.get("HTTP_AUTHORIZATION"):
        return "bearer:" + token_mark(settings.admin_token)
    return "session:" + _cookie(environ)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _cookie(environ: dict) -> str:
    jar = SimpleCookie()
    try:
        jar.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else ""


def _login(settings: Settings, environ: dict, method: str, throttle: Throttle,
           client: str, sessions: Sessions) -> Response:
    if method in ("GET", "HEAD"):
        return _html(200, render_login(settings.name))
    if method != "POST":
        return _html(405, b"", [("Allow", "GET, HEAD, POST")])
    given = _form(environ).get("token", "")
    if not given or not _same(given, settings.admin_token):
        log.warning("admin login refused from %s", client, extra=fields(source="*"))
        throttle.failed(client)
        return _html(401, render_login(settings.name, wrong=True))
    log.info("admin login from %s", client, extra=fields(source="*"))
    throttle.succeeded(client)
    cookie = _set_cookie(settings, environ, sessions.open(settings.admin_token),
                         int(sessions.absolute_s))
    return _redirect("/admin", [("Set-Cookie", cookie)])


def _logout(settings: Settings, environ: dict, method: str, sessions: Sessions) -> Response:
    if method != "POST":
        return _html(405, b"", [("Allow", "POST")])
    sessions.close(_cookie(environ))
    return _redirect("/admin/login", [("Set-Cookie", _set_cookie(settings, environ, "", 0))])


def _set_cookie(settings: Settings, environ: dict, value: str, max_age: int) -> str:
    secure = environ.get("wsgi.url_scheme") == "https" or settings.base_url.startswith("https:")
    return (f"{COOKIE}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Strict"
            + ("; Secure" if secure else ""))


def _form(environ: dict) -> dict[str, str]:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), _MAX_FORM)
    except ValueError:
        return {}
    stream = environ.get("wsgi.input")
    raw = stream.read(length) if stream is not None and length > 0 else b""
    fields = parse_qs(raw.decode("utf-8", "replace"), max_num_fields=5)
    return {k: v[0] for k, v in fields.items()}


def _headers(extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    return [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"), *(extra or [])]


def _html(code: int, body: str | bytes, extra: list[tuple[str, str]] | None = None) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return code, [("Content-Type", "text/html; charset=utf-8"), *_headers(extra)], data


def _redirect(location: str, extra: list[tuple[str, str]] | None = None) -> Response:
    return 303, [("Location", location), *_headers(extra)], b""


def _too_many(settings: Settings, wait_s: int) -> Response:
    minutes = max(1, -(-wait_s // 60))
    text = (f"Zu viele falsche Admin-Tokens von dieser Adresse. Bitte in {minutes} "
            f"{'Minute' if minutes == 1 else 'Minuten'} erneut versuchen.")
    return _html(429, render_login(settings.name, note=text, form=False),
                 [("Retry-After", str(wait_s))])


def _forbidden() -> Response:
    text = ("Die Statusseite ist gesperrt: Der Dienst ist nicht nur auf diesem Rechner "
            "erreichbar (bind ist keine Loopback-Adresse), und es ist kein Admin-Token "
            "eingerichtet. Bitte in der Konfiguration unter [service] "
            "admin_token_env = \"SYNCSVC_ADMIN_TOKEN\" eintragen und die Umgebungsvariable "
            "SYNCSVC_ADMIN_TOKEN mit einem langen, zufälligen Wert setzen – oder den Dienst "
            "mit bind = \"127.0.0.1\" nur lokal anbieten.")
    return _html(403, render_login("syncsvc", note=text, form=False))
