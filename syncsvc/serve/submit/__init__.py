"""``/termin-melden``: GET shows the form, POST checks it and stores a *pending* submission.

Refusals store nothing and answer in German: a body over ``MAX_BODY``, a missing or
forged token, a form sent back faster than ``min_seconds``, a filled honeypot, more than
``rate_limit`` submissions per address and hour, or invalid fields (the form comes back
with the reasons and the typed values). Each request opens its own short connection.
Once a submission is committed, ``notify`` (from the service: the moderators' e-mail,
sent in the background) is told about it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

from ...config import Settings
from ...store.submissions import Submissions
from ...submit.fields import HONEYPOT, check, known_categories
from ...submit.tokens import client_key, make_token, token_problem
from ..client import client_of
from .page import render_done, render_form, render_guide, render_refused

log = logging.getLogger(__name__)

PATH = "/termin-melden"
GUIDE = PATH + "/so-gehts"  # the one-page guide for partners
MAX_BODY = 16 * 1024
CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
Response = tuple[int, list[tuple[str, str]], bytes]


Notify = Callable[[int, dict], object]


def make_submit(settings: Settings, clock: Callable[[], float] = time.time,
                notify: Notify | None = None) -> Callable[[dict], Response]:
    def submit(environ: dict) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        if environ.get("PATH_INFO", "").rstrip("/") == GUIDE:
            if method not in ("GET", "HEAD"):
                return _html(405, "", [("Allow", "GET, HEAD")])
            return _html(200, render_guide(settings.name,
                                           settings.submissions.keep_contact_days))
        with Submissions(settings.database) as subs:
            if method in ("GET", "HEAD"):
                return _form(settings, subs.secret(), clock())
            if method != "POST":
                return _html(405, "", [("Allow", "GET, HEAD, POST")])
            return _post(settings, subs, environ, clock(), notify)

    return submit


def _form(settings: Settings, secret: bytes, now: float, values=None, problems=None,
          code: int = 200) -> Response:
    body = render_form(settings.name, make_token(secret, now), known_categories(settings),
                       settings.submissions.keep_contact_days, values, problems)
    return _html(code, body)


def _post(settings: Settings, subs: Submissions, environ: dict, now: float,
          notify: Notify | None) -> Response:
    form = _read(environ)
    if form is None:
        return _refuse(settings, 413, "Die Angaben sind zu umfangreich.")
    secret = subs.secret()
    conf = settings.submissions
    if problem := token_problem(secret, form.get("token", ""), now, conf.min_seconds):
        return _refuse(settings, 400, problem)
    if form.get(HONEYPOT):
        return _refuse(settings, 400, "Die Meldung wurde nicht angenommen.")
    today = datetime.fromtimestamp(now, UTC).date()
    values, problems = check(form, known_categories(settings), today)
    if problems:
        return _form(settings, secret, now, values, problems, code=422)
    stamp = datetime.fromtimestamp(now, UTC)
    key = client_key(secret, client_of(environ))  # behind a trusted proxy: the resident
    sub_id = subs.add(values, key, _iso(stamp), _iso(stamp - timedelta(hours=1)),
                      conf.rate_limit)
    subs.purge_contacts(date.fromtimestamp(now), conf.keep_contact_days)
    if sub_id is None:
        log.warning("source=formular submission refused: rate limit")
        return _refuse(settings, 429, "Von diesem Anschluss kamen in der letzten Stunde schon "
                       "viele Meldungen. Bitte später noch einmal versuchen.")
    log.info("source=formular submission %d stored as pending", sub_id)
    if notify is not None:
        try:  # the row is committed: a failing notice must not turn it into an error page
            notify(sub_id, values)
        except Exception:  # noqa: BLE001 - logged; the moderators still see it in /admin
            log.exception("source=formular notice about submission %d failed", sub_id)
    return _html(200, render_done(settings.name))


def _read(environ: dict) -> dict[str, str] | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > MAX_BODY:
        return None
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        parsed = parse_qs(raw.decode("utf-8"), max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in parsed.items()}


def _refuse(settings: Settings, code: int, reason: str) -> Response:
    log.info("source=formular submission refused (%d)", code)
    return _html(code, render_refused(settings.name, reason))


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _html(code: int, body: str, extra: list[tuple[str, str]] | None = None) -> Response:
    return code, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                  ("Content-Security-Policy", CSP), ("Referrer-Policy", "no-referrer"),
                  ("X-Frame-Options", "DENY"), *(extra or [])], body.encode("utf-8")
