"""Moderation of „Termin melden“ in /admin: list, view, edit, approve, reject (German).

``make_admin`` calls this only for paths under ``/admin/meldungen`` and only after the
request passed the admin login, so this module adds no access rule of its own except one:
every state-changing request is a POST carrying a CSRF token bound to the admin session
(an HMAC of the session id, made with the server secret in the database, and dated),
because the session is a cookie that a foreign page could make the browser send along.

Reads come from ``store.submissions`` directly; every write goes through ``moderate``, the
callable the service passes in (``Service.moderate``, or the daemon's under its write
lock), so the web layer never rebuilds events or republishes itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from ...config import Settings
from ...logs import fields
from ...store.submissions import Submissions
from ...submit.fields import EVENT_FIELDS, known_categories
from .moderation_page import render_detail, render_list
from .session import ABSOLUTE_S

log = logging.getLogger(__name__)

PATH = "/admin/meldungen"
CSRF_MAX_AGE_S = ABSOLUTE_S  # as long as a login session lives at most
_MAX_BODY = 32 * 1024
_DETAIL = re.compile(r"^/admin/meldungen/(\d{1,9})$")
EDITABLE = {f.name for f in EVENT_FIELDS}  # what a refused edit shows back as typed
ACTIONS = {"freigeben": "approve", "ablehnen": "reject", "speichern": "edit"}
DONE = {"approve": "freigegeben und veröffentlicht", "reject": "abgelehnt",
        "edit": "gespeichert"}

Response = tuple[int, list[tuple[str, str]], bytes]
Respond = Callable[..., Response]  # __init__._html: the admin page's headers and CSP
Moderate = Callable[..., list[str]]  # (id, action, *, reason, form) → German problems


def make_csrf(secret: bytes, session: str, now: float) -> str:
    stamp = str(int(now))
    return f"{stamp}.{_sign(secret, session, stamp)}"


def csrf_ok(secret: bytes, session: str, token: str, now: float) -> bool:
    stamp, _, mac = (token or "").partition(".")
    if not stamp.isdigit() or not hmac.compare_digest(mac, _sign(secret, session, stamp)):
        return False
    return 0 <= now - int(stamp) <= CSRF_MAX_AGE_S


def _sign(secret: bytes, session: str, stamp: str) -> str:
    text = f"admin-csrf\x1f{session}\x1f{stamp}".encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()


def make_moderation(get_settings: Callable[[], Settings], moderate: Moderate,
                    respond: Respond, session: Callable[[dict, Settings], str],
                    clock: Callable[[], float] = time.time
                    ) -> Callable[[dict, str, str], Response]:
    """The handler for ``/admin/meldungen`` and ``/admin/meldungen/ID``; ``session`` names
    the admin session of a request, which its CSRF tokens are bound to."""

    def handle(environ: dict, path: str, method: str) -> Response:
        settings = get_settings()
        with Submissions(settings.database) as subs:
            secret = subs.secret()
            csrf = make_csrf(secret, session(environ, settings), clock())
            if path == PATH:
                if method not in ("GET", "HEAD"):
                    return respond(405, b"", [("Allow", "GET, HEAD")])
                note = _note(environ.get("QUERY_STRING", ""))
                return respond(200, render_list(settings.name, subs.with_status("pending"),
                                                subs.with_status("approved"), note))
            match = _DETAIL.match(path)
            row = subs.get(int(match.group(1))) if match else None
            if row is None:
                return respond(404, render_list(settings.name, [], [], "",
                                                missing=bool(match)))
            cats = known_categories(settings)
            if method in ("GET", "HEAD"):
                note = _note(environ.get("QUERY_STRING", ""))
                return respond(200, render_detail(settings.name, row, csrf, cats, note=note))
            if method != "POST":
                return respond(405, b"", [("Allow", "GET, HEAD, POST")])
            form = _read(environ)
            if form is None or not csrf_ok(secret, session(environ, settings), form.get("csrf", ""),
                                           clock()):
                log.warning("admin moderation refused: missing or invalid CSRF token",
                            extra=fields(source="formular"))
                return respond(403, render_detail(
                    settings.name, row, csrf, cats,
                    problems=["Das Formular ist abgelaufen oder ungültig. Bitte die Seite "
                              "neu laden und noch einmal versuchen."]))
        return _act(settings, moderate, respond, row, form, csrf, cats)

    return handle


def with_link(page: str, settings: Settings) -> str:
    """The status page with a line on top that leads to the moderation (and says how many
    submissions wait), added here so the status page itself needs no change."""
    with Submissions(settings.database) as subs:
        waiting = subs.count("pending")
    text = (f"{waiting} gemeldete{'r' if waiting == 1 else ''} Termin"
            f"{'' if waiting == 1 else 'e'} warte{'t' if waiting == 1 else 'n'} auf Freigabe"
            if waiting else "Keine gemeldeten Termine warten auf Freigabe")
    cls = "warn" if waiting else "summary"
    link = f'<p class="{cls}"><a href="{PATH}">{text}</a></p>'
    return page.replace("<body>", "<body>" + link, 1)


def _act(settings: Settings, moderate: Moderate, respond: Respond, row: dict,
         form: dict[str, str], csrf: str, cats: tuple[str, ...]) -> Response:
    action = ACTIONS.get(form.get("aktion", ""))
    if action is None:
        return respond(400, render_detail(settings.name, row, csrf, cats,
                                          problems=["Unbekannte Aktion."]))
    problems = moderate(row["id"], action, reason=form.get("grund", ""),
                        form=form if action == "edit" else None)
    if problems:
        typed = {**row, **{k: v for k, v in form.items() if k in EDITABLE}}
        if action == "edit":
            typed["all_day"] = 1 if form.get("all_day") else 0
        return respond(422, render_detail(settings.name, typed, csrf, cats,
                                          problems=problems))
    where = f"{PATH}/{row['id']}" if action == "edit" else PATH
    return respond(303, b"", [("Location", f"{where}?erledigt={action}&id={row['id']}")])


def _note(query: str) -> str:
    """The German confirmation after a redirect; built from known words only."""
    q = parse_qs(query, max_num_fields=5)
    action, sub_id = q.get("erledigt", [""])[0], q.get("id", [""])[0]
    if action not in DONE or not sub_id.isdigit():
        return ""
    return f"Termin #{int(sub_id)} wurde {DONE[action]}."


def _read(environ: dict) -> dict[str, str] | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > _MAX_BODY:
        return None
    stream = environ.get("wsgi.input")
    raw = stream.read(length) if stream is not None and length > 0 else b""
    try:
        parsed = parse_qs(raw.decode("utf-8"), max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in parsed.items()}
