"""Moderation of „Termin melden“ in /admin over real HTTP on 127.0.0.1, with a real SQLite
file and the real Service: list, view, edit, approve, reject, and the CSRF/auth refusals."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta

import icalendar
import pytest
import requests

from syncsvc.serve.admin import CSP, make_admin
from syncsvc.service import Service
from syncsvc.service.status import read_status, stored_events
from syncsvc.store import Store
from syncsvc.store.submissions import Submissions

from conftest import running

TOKEN = "moderations-Token-für-Tests"
DAY = date.today() + timedelta(days=9)
FORM = {"organisation": "Ukrainische Elterngruppe Idstein",
        "title": "Spielenachmittag <img src=x onerror=alert(1)> für Groß & Klein",
        "day": DAY.isoformat(), "begin": "15:00", "end": "17:30", "all_day": 0,
        "place": "Familienzentrum „Löwenzahn“", "description": "<b>Mit</b> Kuchen.",
        "link": "javascript:alert(1)", "category": "Begegnung",
        "contact_email": "nur-fuer-redaktion@example.org", "contact_phone": "06126 555-0142"}


@pytest.fixture
def site(write_config, monkeypatch):
    monkeypatch.setenv("SYNCSVC_ADMIN_TOKEN", TOKEN)
    settings = write_config()
    assert settings.admin_token == TOKEN
    with Submissions(settings.database) as subs:
        sub_id = subs.add(FORM, "k", "2026-01-01T00:00:00Z", "2025-12-31T00:00:00Z", 5)
    store = Store(settings.database)
    service = Service(settings, store)
    admin = make_admin(lambda: settings, lambda: read_status(settings),
                       lambda known: stored_events(settings, known), moderate=service.moderate)
    app = service.app(status=lambda: {}, metrics=None, healthy=None, admin=admin)
    with running(app) as url:
        yield settings, url, sub_id
    store.close()


def login(url: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{url}/admin/login", data={"token": TOKEN}, timeout=10)
    assert r.status_code == 200 and s.cookies.get("syncsvc_admin")
    return s


def csrf_of(session: requests.Session, url: str, sub_id: int) -> str:
    page = session.get(f"{url}/admin/meldungen/{sub_id}", timeout=10).text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def status_of(settings, sub_id: int) -> str:
    with Submissions(settings.database) as subs:
        return subs.get(sub_id)["status"]


def published(settings) -> list:
    path = settings.output_dir / "calendar.ics"
    if not path.exists():
        return []
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return [e for e in cal.walk("VEVENT") if "Spielenachmittag" in str(e["SUMMARY"])]


def outputs(settings) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in settings.output_dir.rglob("*")
                     if p.is_file() and p.suffix in (".ics", ".json", ".html", ".rss"))


def test_list_and_detail_show_the_pending_entry_escaped(site):
    settings, url, sub_id = site
    with login(url) as s:
        r = s.get(f"{url}/admin", timeout=10)
        assert "1 gemeldeter Termin wartet auf Freigabe" in r.text
        assert 'href="/admin/meldungen"' in r.text
        r = s.get(f"{url}/admin/meldungen", timeout=10)
        assert r.status_code == 200 and r.headers["Content-Security-Policy"] == CSP
        assert r.headers["Cache-Control"] == "no-store"
        assert "Warten auf Freigabe (1)" in r.text and f'href="/admin/meldungen/{sub_id}"' in r.text
        assert "&lt;img src=x onerror=alert(1)&gt; für Groß &amp; Klein" in r.text
        assert "<img" not in r.text and "<script" not in r.text
        r = s.get(f"{url}/admin/meldungen/{sub_id}", timeout=10)
        assert r.status_code == 200 and r.headers["Content-Security-Policy"] == CSP
        assert "nur-fuer-redaktion@example.org" in r.text  # the moderator may call back
        assert "&lt;b&gt;Mit&lt;/b&gt; Kuchen." in r.text and "<b>Mit" not in r.text
        assert "<img" not in r.text and "wartet auf Freigabe" in r.text
        assert s.get(f"{url}/admin/meldungen/999", timeout=10).status_code == 404


def test_approve_publishes_once_sanitized_and_reject_withdraws(site):
    settings, url, sub_id = site
    with login(url) as s:
        token = csrf_of(s, url, sub_id)
        r = s.post(f"{url}/admin/meldungen/{sub_id}", timeout=10,
                   data={"csrf": token, "aktion": "freigeben"})
        assert r.status_code == 200 and r.url.endswith(f"erledigt=approve&id={sub_id}")
        assert f"Termin #{sub_id} wurde freigegeben und veröffentlicht." in r.text
        assert "Warten auf Freigabe (0)" in r.text and "Freigegeben (1)" in r.text
        assert status_of(settings, sub_id) == "approved"
        (ev,) = published(settings)
        assert str(ev["SUMMARY"]) == "Spielenachmittag für Groß & Klein"
        assert "Ukrainische Elterngruppe Idstein" in str(ev["DESCRIPTION"])
        assert "URL" not in ev
        doc = json.loads((settings.output_dir / "events.json").read_text(encoding="utf-8"))
        assert json.dumps(doc, ensure_ascii=False).count("Spielenachmittag für Groß") == 1
        for secret in ("onerror", "javascript:", "nur-fuer-redaktion", "555-0142"):
            assert secret not in outputs(settings), secret
        r = s.post(f"{url}/admin/meldungen/{sub_id}", timeout=10,
                   data={"csrf": token, "aktion": "ablehnen", "grund": "Termin fällt aus"})
        assert r.status_code == 200 and "wurde abgelehnt" in r.text
    with Submissions(settings.database) as subs:
        row = subs.get(sub_id)
    assert row["status"] == "rejected" and row["reason"] == "Termin fällt aus"
    assert published(settings) == [] and "Spielenachmittag" not in outputs(settings)


def test_edit_changes_fields_and_refuses_bad_values_in_german(site):
    settings, url, sub_id = site
    with login(url) as s:
        token = csrf_of(s, url, sub_id)
        fields = {k: str(v) for k, v in FORM.items() if not k.startswith("contact_")}
        bad = {**fields, "day": "31.02.2027", "csrf": token, "aktion": "speichern"}
        r = s.post(f"{url}/admin/meldungen/{sub_id}", data=bad, timeout=10)
        assert r.status_code == 422 and "gibt es nicht" in r.text
        assert r.headers["Content-Security-Policy"] == CSP and "<img" not in r.text
        good = {**fields, "title": "Spielenachmittag im Löwenzahn", "csrf": token,
                "aktion": "speichern", "all_day": ""}
        r = s.post(f"{url}/admin/meldungen/{sub_id}", data=good, timeout=10)
        assert r.status_code == 200 and "wurde gespeichert" in r.text
        with Submissions(settings.database) as subs:
            row = subs.get(sub_id)
        assert row["title"] == "Spielenachmittag im Löwenzahn" and row["status"] == "pending"
        assert row["contact_email"] == FORM["contact_email"]  # edits never touch contacts
        assert published(settings) == []  # still pending: nothing published
        s.post(f"{url}/admin/meldungen/{sub_id}", data={"csrf": token, "aktion": "freigeben"},
               timeout=10)
        (ev,) = published(settings)
        assert str(ev["SUMMARY"]) == "Spielenachmittag im Löwenzahn"


@pytest.mark.parametrize("case", ["no-csrf", "forged", "other-token", "ended-session",
                                  "stale", "no-auth", "get"])
def test_refused_without_valid_csrf_or_auth(site, case):
    settings, url, sub_id = site
    from syncsvc.serve.admin.moderation import CSRF_MAX_AGE_S, make_csrf

    target = f"{url}/admin/meldungen/{sub_id}"
    with login(url) as s:
        token = csrf_of(s, url, sub_id)
        if case == "no-csrf":
            r = s.post(target, data={"aktion": "freigeben"}, timeout=10)
        elif case == "forged":
            r = s.post(target, data={"aktion": "freigeben", "csrf": "1.abc"}, timeout=10)
        elif case == "other-token":  # valid for another admin session, not for this one
            with login(url) as other:
                theirs = csrf_of(other, url, sub_id)
            r = s.post(target, data={"aktion": "freigeben", "csrf": theirs}, timeout=10)
        elif case == "ended-session":  # signed for a session that was logged out
            s.post(f"{url}/admin/logout", timeout=10)
            with login(url) as s2:
                r = s2.post(target, data={"aktion": "freigeben", "csrf": token}, timeout=10)
        elif case == "stale":  # older than a session can live
            with Submissions(settings.database) as subs:
                old = make_csrf(subs.secret(), "session:" + s.cookies["syncsvc_admin"],
                                time.time() - CSRF_MAX_AGE_S - 60)
            r = s.post(target, data={"aktion": "freigeben", "csrf": old}, timeout=10)
        elif case == "no-auth":
            r = requests.post(target, data={"aktion": "freigeben", "csrf": token}, timeout=10)
        else:  # a GET never changes anything
            r = s.get(target + "?aktion=freigeben&csrf=" + token, timeout=10)
    expected = {"no-auth": 401, "get": 200}.get(case, 403)
    assert r.status_code == expected
    if case == "no-auth":
        assert "Spielenachmittag" not in r.text
    elif case != "get":
        assert "abgelaufen oder ungültig" in r.text
    assert status_of(settings, sub_id) == "pending"
    assert published(settings) == []


def test_from_the_public_form_through_admin_to_every_output(write_config, monkeypatch):
    monkeypatch.setenv("SYNCSVC_ADMIN_TOKEN", TOKEN)
    settings = write_config(extra="[submissions]\nmin_seconds = 0\n")
    store = Store(settings.database)
    service = Service(settings, store)
    admin = make_admin(lambda: settings, lambda: read_status(settings),
                       lambda known: stored_events(settings, known), moderate=service.moderate)
    app = service.app(status=lambda: {}, metrics=None, healthy=None, admin=admin)
    try:
        with running(app) as url, login(url) as s:
            form = requests.get(f"{url}/termin-melden", timeout=10).text
            token = re.search(r'name="token" value="([^"]+)"', form).group(1)
            data = {**FORM, "all_day": "", "consent": "1", "webseite": "", "token": token}
            assert requests.post(f"{url}/termin-melden", data=data, timeout=10).ok
            page = s.get(f"{url}/admin/meldungen", timeout=10).text
            sub_id = int(re.search(r'href="/admin/meldungen/(\d+)"', page).group(1))
            assert "Spielenachmittag" not in requests.get(f"{url}/termine/", timeout=10).text
            r = s.post(f"{url}/admin/meldungen/{sub_id}", timeout=10,
                       data={"csrf": csrf_of(s, url, sub_id), "aktion": "freigeben"})
            assert r.ok and len(published(settings)) == 1
            listing = requests.get(f"{url}/termine/", timeout=10).text
            assert listing.count("Spielenachmittag") == 1 and "onerror" not in listing
    finally:
        store.close()


def test_reject_while_pending_keeps_it_out_and_a_crafted_edit_is_harmless(site):
    settings, url, sub_id = site
    with login(url) as s:
        token = csrf_of(s, url, sub_id)
        r = s.post(f"{url}/admin/meldungen/{sub_id}", timeout=10,
                   data={"csrf": token, "aktion": "speichern", "id": "abc", "status": "x",
                         "title": "", "day": FORM["day"]})
        assert r.status_code == 422 and "Bitte „Titel des Termins“ ausfüllen." in r.text
        r = s.post(f"{url}/admin/meldungen/{sub_id}", timeout=10,
                   data={"csrf": token, "aktion": "ablehnen", "grund": "<b>Spam</b>"})
        assert r.status_code == 200 and "Warten auf Freigabe (0)" in r.text
        assert "Freigegeben (0)" in r.text
        detail = s.get(f"{url}/admin/meldungen/{sub_id}", timeout=10).text
        assert "abgelehnt" in detail and "&lt;b&gt;Spam&lt;/b&gt;" in detail
    assert status_of(settings, sub_id) == "rejected"
    assert "Spielenachmittag" not in outputs(settings)
