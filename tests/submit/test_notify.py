"""The moderators' e-mail on a new „Termin melden“ submission, against a real SMTP server
(aiosmtpd) on 127.0.0.1 and the real form over HTTP: what the mail says and leaves out,
login with the password from the environment, and that a dead or hanging mail server
neither loses the submission nor holds up the resident's answer."""

from __future__ import annotations

import logging
import re
import socket
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from syncsvc.service import Service
from syncsvc.store import Store
from syncsvc.store.submissions import Submissions
from syncsvc.submit.notify import compose

from conftest import free_port, running

DAY = date.today() + timedelta(days=12)
FORM = {"organisation": "Sportverein Refugee-Team", "title": "Fußballtraining für Alle",
        "day": DAY.isoformat(), "begin": "17:00", "end": "18:30",
        "place": "Sportplatz Zissenbach", "description": "Bälle sind da.", "link": "",
        "category": "Sport", "contact_email": "trainer-privat@example.org",
        "contact_phone": "0171 5550123", "consent": "1", "webseite": ""}
PASSWORD = "smtp-Passwört"  # smtplib alone sends only ASCII credentials


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(
            envelope.original_content, policy=policy.default)))
        return "250 OK"

    password = PASSWORD

    def auth(self, server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.password == self.password.encode()
        self.logins.append((data.login, data.password) if ok else (b"", b""))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=inbox.auth, auth_require_tls=False)
    controller.start()
    yield inbox, controller.port
    controller.stop()


def smtp_config(port: int, **extra) -> str:
    lines = {"smtp_host": '"127.0.0.1"', "smtp_port": str(port),
             "smtp_from": '"termine@idstein.example"',
             "smtp_to": '["redaktion@idstein.example", "integration@idstein.example"]',
             "smtp_starttls": "false", "smtp_user": '"termine"',
             "smtp_password_env": '"SYNCSVC_TEST_SMTP_PASSWORD"', **extra}
    return "[submissions]\nmin_seconds = 0\n" + "".join(f"{k} = {v}\n" for k, v in lines.items())


@pytest.fixture
def site_with(write_config, monkeypatch):
    monkeypatch.setenv("SYNCSVC_TEST_SMTP_PASSWORD", PASSWORD)
    stores = []

    def start(extra: str):
        settings = write_config(service='base_url = "https://termine.idstein.example"\n',
                                extra=extra)
        stores.append(Store(settings.database))
        app = Service(settings, stores[-1]).app(status=None, metrics=None, healthy=None,
                                                admin=None)
        return settings, running(app)

    yield start
    for store in stores:
        store.close()


def submit(url: str) -> tuple[int, str, float]:
    with urllib.request.urlopen(url + "/termin-melden", timeout=10) as r:
        token = re.search(r'name="token" value="([^"]+)"', r.read().decode()).group(1)
    body = urllib.parse.urlencode({**FORM, "token": token}).encode()
    began = time.monotonic()
    with urllib.request.urlopen(url + "/termin-melden", body, timeout=30) as r:
        return r.status, r.read().decode("utf-8"), time.monotonic() - began


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError("nothing arrived in time")


def pending(settings) -> list[dict]:
    with Submissions(settings.database) as subs:
        return subs.with_status("pending")


@pytest.mark.parametrize("password", [PASSWORD, "nur-ascii-42"])
def test_a_new_submission_mails_the_moderators_without_contact_data(smtp, site_with,
                                                                    monkeypatch, password):
    inbox, port = smtp
    inbox.password = password
    monkeypatch.setenv("SYNCSVC_TEST_SMTP_PASSWORD", password)
    settings, served = site_with(smtp_config(port))
    with served as url:
        code, page, _ = submit(url)
        assert code == 200 and "Vielen Dank" in page
        rcpts, mail = wait_for(lambda: inbox.messages and inbox.messages[0])
    (row,) = pending(settings)
    assert rcpts == ["redaktion@idstein.example", "integration@idstein.example"]
    assert inbox.logins == [(b"termine", password.encode())]  # the password from the env
    assert mail["From"] == "termine@idstein.example"
    assert mail["Subject"] == "Neuer Termin wartet auf Freigabe: Fußballtraining für Alle"
    text = mail.get_content()
    assert "wartet auf Freigabe" in text and "Termin melden" in text
    assert "Fußballtraining für Alle" in text and "Sportverein Refugee-Team" in text
    assert f"{DAY:%d.%m.%Y}, 17:00–18:30 Uhr" in text
    assert f"https://termine.idstein.example/admin/meldungen/{row['id']}" in text
    raw = mail.as_string()
    for private in ("trainer-privat", "5550123", "Sportplatz Zissenbach"):
        assert private not in raw and private not in text


def test_header_injection_through_the_title_is_flattened(write_config):
    settings = write_config(extra=smtp_config(25))
    mail = compose(settings, 7, {**FORM, "title": "Fest\r\nBcc: alle@example.org\nX: y"})
    assert mail["Subject"] == "Neuer Termin wartet auf Freigabe: Fest Bcc: alle@example.org X: y"
    assert mail["Bcc"] is None and mail["X"] is None


@pytest.mark.parametrize("case", ["nothing-listens", "wrong-password", "no-starttls"])
def test_a_failing_mail_server_is_logged_and_loses_nothing(smtp, site_with, caplog,
                                                           monkeypatch, case):
    inbox, port = smtp
    extra = {"no-starttls": {"smtp_starttls": "true"}}.get(case, {})
    if case == "wrong-password":
        monkeypatch.setenv("SYNCSVC_TEST_SMTP_PASSWORD", "falsch")
    settings, served = site_with(smtp_config(free_port() if case == "nothing-listens"
                                             else port, **extra))
    with caplog.at_level(logging.ERROR), served as url:
        code, page, _ = submit(url)
        assert code == 200 and "Vielen Dank" in page
        wait_for(lambda: [r for r in caplog.records if "nicht verschickt" in r.getMessage()])
    assert len(pending(settings)) == 1 and inbox.messages == []


def test_a_hanging_mail_server_does_not_hold_up_the_form(site_with):
    with socket.socket() as silent:  # accepts connections, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        settings, served = site_with(smtp_config(silent.getsockname()[1]))
        with served as url:
            code, _, took = submit(url)
        assert code == 200 and took < 3.0
        assert len(pending(settings)) == 1


def test_no_smtp_host_sends_nothing(smtp, site_with):
    inbox, port = smtp
    settings, served = site_with("[submissions]\nmin_seconds = 0\n")
    with served as url:
        assert submit(url)[0] == 200
    time.sleep(0.5)
    assert inbox.messages == [] and len(pending(settings)) == 1
