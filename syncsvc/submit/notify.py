"""The optional e-mail to moderators when „Termin melden“ stored a new submission.

Sent with the standard library (``smtplib``, ``email.message``) from a short-lived thread
after the submission is committed: the resident's form answer never waits for a mail
server, a slow one costs at most ``TIMEOUT_S`` per step, and a failure is only logged –
the submission is already stored and shows in /admin and ``syncsvc submissions``.

The mail names what the moderator needs to find the entry (title, date, organisation and
the /admin link) and nothing about the person who sent it: contact data stays in the
database and on the moderation page, never in mailboxes and their backups.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..config import Settings
from ..logs import fields

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
_SPACE = re.compile(r"\s+")


def one_line(text: object, limit: int = 120) -> str:
    """A header-safe single line: no CR/LF (no header injection), bounded length."""
    flat = _SPACE.sub(" ", str(text or "")).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def compose(settings: Settings, sub_id: int, values: dict) -> EmailMessage:
    conf = settings.submissions
    title, org = one_line(values.get("title")), one_line(values.get("organisation"))
    day = str(values.get("day") or "")
    y, _, rest = day.partition("-")
    german = f"{rest[3:5]}.{rest[0:2]}.{y}" if len(day) == 10 else day
    if values.get("all_day"):
        when = f"{german}, ganztägig"
    else:
        begin, end = values.get("begin") or "?", values.get("end") or ""
        when = f"{german}, {begin}–{end} Uhr" if end else f"{german}, ab {begin} Uhr"
    link = f"{settings.base_url.rstrip('/')}/admin/meldungen/{int(sub_id)}"
    msg = EmailMessage()
    msg["Subject"] = one_line(f"Neuer Termin wartet auf Freigabe: {title}", 150)
    msg["From"] = conf.smtp_from
    msg["To"] = ", ".join(conf.smtp_to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=conf.smtp_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        "Guten Tag,\n\n"
        f"über das Formular „Termin melden“ von {one_line(settings.name)} ist ein neuer "
        "Termin eingegangen. Er wartet auf Freigabe und erscheint erst danach im "
        "Kalender.\n\n"
        f"Nummer:        #{int(sub_id)}\n"
        f"Titel:         {title}\n"
        f"Datum:         {when}\n"
        f"Organisation:  {org}\n\n"
        "Ansehen, bearbeiten, freigeben oder ablehnen:\n"
        f"{link}\n\n"
        f"Oder auf der Kommandozeile: syncsvc submissions, syncsvc approve {int(sub_id)}\n\n"
        "Die Kontaktdaten der meldenden Person stehen aus Datenschutzgründen nicht in "
        "dieser E-Mail, sondern nur auf der Moderationsseite.\n\n"
        "-- \nDiese Nachricht wurde automatisch verschickt.\n")
    return msg


def send(settings: Settings, msg: EmailMessage, timeout: float = TIMEOUT_S) -> None:
    """Deliver ``msg``; raises ``OSError``/``smtplib.SMTPException`` on failure."""
    conf = settings.submissions
    with smtplib.SMTP(conf.smtp_host, conf.smtp_port, timeout=timeout) as smtp:
        if conf.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if conf.smtp_user:
            login(smtp, conf.smtp_user, os.environ.get(conf.smtp_password_env, ""))
        smtp.send_message(msg)


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """``smtp.login``, except that smtplib encodes credentials as ASCII: a password with
    an umlaut failed with a codec error. Those go as AUTH PLAIN in UTF-8 (RFC 4616)."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def announce(settings: Settings, sub_id: int, values: dict) -> threading.Thread | None:
    """Mail the moderators about submission ``sub_id`` in the background (when SMTP is
    configured); returns the thread so tests can wait for it."""
    conf = settings.submissions
    if not (conf.smtp_host and conf.smtp_to and conf.smtp_from):
        return None

    def run() -> None:
        try:
            send(settings, compose(settings, sub_id, values))
        except (OSError, smtplib.SMTPException, ValueError) as e:
            log.error("E-Mail an die Moderation zu Meldung %d nicht verschickt (%s:%d): %s – "
                      "die Meldung ist gespeichert und steht unter /admin/meldungen",
                      sub_id, conf.smtp_host, conf.smtp_port, e,
                      extra=fields(source="formular"))
            return
        log.info("moderators notified of submission %d", sub_id,
                 extra=fields(source="formular"))

    thread = threading.Thread(target=run, name=f"notify-{sub_id}", daemon=True)
    thread.start()
    return thread
