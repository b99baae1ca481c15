"""„Termin melden“ end to end over real HTTP on 127.0.0.1 with a real SQLite file: the
form, its refusals, moderation by CLI, and what reaches calendar.ics and events.json."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import icalendar
import pytest

from syncsvc.cli import main
from syncsvc.service import Service
from syncsvc.store import Store
from syncsvc.store.submissions import Submissions

from conftest import running

DAY = date.today() + timedelta(days=7)
FORM = {"organisation": "Begegnungscafé Grüne Wiese e.V.",
        "title": "Spieleabend für Groß & Klein <img src=x onerror=alert(1)>",
        "day": DAY.isoformat(), "begin": "18:00", "end": "20:30",
        "place": "Bürgerhaus „Löwen“, Idstein", "description": "Würfeln, Karten, Tee.",
        "link": "javascript:alert(1)", "category": "Begegnung",
        "contact_email": "moderation-nur@example.org", "contact_phone": "06126 555-0199",
        "consent": "1", "webseite": ""}


@pytest.fixture
def site(write_config):
    settings = write_config(extra="[submissions]\nmin_seconds = 1\nrate_limit = 5\n")
    store = Store(settings.database)
    app = Service(settings, store).app(status=None, metrics=None, healthy=None, admin=None)
    with running(app) as url:
        yield settings, url
    store.close()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def _post(url: str, data: dict) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode()
    try:
        with urllib.request.urlopen(url + "/termin-melden", body, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def _token(url: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', _get(url + "/termin-melden")).group(1)


def _count(settings, status=None) -> int:
    with Submissions(settings.database) as subs:
        return subs.count(status)


def _outputs(settings) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in settings.output_dir.rglob("*")
                     if p.is_file() and p.suffix in (".ics", ".json", ".html", ".rss"))


def _published(settings) -> list:
    cal = icalendar.Calendar.from_ical((settings.output_dir / "calendar.ics").read_bytes())
    return [e for e in cal.walk("VEVENT") if "Spieleabend" in str(e["SUMMARY"])]


def test_form_is_german_accessible_and_without_script(site):
    _, url = site
    page = _get(url + "/termin-melden")
    assert '<html lang="de">' in page and "<script" not in page
    for name in re.findall(r'<(?:input|select|textarea) id="(\w+)"', page):
        assert f'<label for="{name}">' in page
    assert "30 Tage nach dem Termin gelöscht" in page and "Begegnung" in page


def test_partner_guide_is_served_and_linked_from_the_form(site):
    """Issue 18: a one-page German guide for partners, „So melden Sie Ihre Termine“."""
    _, url = site
    assert 'href="/termin-melden/so-gehts"' in _get(url + "/termin-melden")
    with urllib.request.urlopen(url + "/termin-melden/so-gehts", timeout=10) as r:
        headers, page = r.headers, r.read().decode("utf-8")
    assert headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert '<html lang="de">' in page and "<script" not in page
    assert "<h1>So melden Sie Ihre Termine</h1>" in page
    for way in ("Formular", "Tabelle", "Kalender"):
        assert f"{way}" in page
    assert "30 Tage nach dem Termin gelöscht" in page
    assert 'href="/termin-melden"' in page
    body = urllib.parse.urlencode({"x": "1"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "/termin-melden/so-gehts", body, timeout=10)
    assert refused.value.code == 405


def test_submit_moderate_publish(site):
    settings, url = site
    time.sleep(1.1)  # the token must be older than min_seconds
    token = _token(url)
    time.sleep(1.1)
    code, page = _post(url, {**FORM, "token": token})
    assert code == 200 and "Vielen Dank" in page
    assert _count(settings, "pending") == 1
    cfg = ["--config", str(settings.config_path)]
    assert main(["sync", *cfg]) == 0
    assert "Spieleabend" not in _outputs(settings)
    sub_id = Submissions(settings.database).with_status("pending")[0]["id"]
    assert main(["approve", str(sub_id), *cfg]) == 0
    (ev,) = _published(settings)
    assert str(ev["SUMMARY"]) == "Spieleabend für Groß & Klein"
    assert str(ev["LOCATION"]) == "Bürgerhaus „Löwen“, Idstein"
    assert "Begegnungscafé Grüne Wiese e.V." in str(ev["DESCRIPTION"])
    assert "gemeldet über das Formular" in str(ev["DESCRIPTION"])
    assert "URL" not in ev
    doc = json.loads((settings.output_dir / "events.json").read_text(encoding="utf-8"))
    assert json.dumps(doc, ensure_ascii=False).count("Spieleabend für Groß & Klein") == 1
    text = _outputs(settings)
    for secret in ("onerror", "javascript:", "moderation-nur@example.org", "555-0199"):
        assert secret not in text
    assert main(["sync", *cfg]) == 0 and len(_published(settings)) == 1  # survives a pass
    assert main(["reject", str(sub_id), "--grund", "Doppelt gemeldet", *cfg]) == 0
    assert _published(settings) == []


@pytest.mark.parametrize("case", ["no-token", "forged", "honeypot", "too-fast", "too-big"])
def test_refusals_store_nothing(site, case):
    settings, url = site
    data = {**FORM}
    if case == "forged":
        data["token"] = f"{int(time.time()) - 60}.{'0' * 64}"
    elif case == "too-fast":
        data["token"] = _token(url)
    elif case in ("honeypot", "too-big"):
        time.sleep(1.1)
        data["token"] = _token(url)
        time.sleep(1.1)
        data["webseite" if case == "honeypot" else "description"] = (
            "http://spam.example" if case == "honeypot" else "x" * 20_000)
    code, page = _post(url, data)
    assert code in (400, 413) and "nicht angenommen" in page.lower()
    assert _count(settings) == 0


def test_invalid_fields_come_back_in_german(site):
    settings, url = site
    token = _token(url)
    time.sleep(1.1)
    code, page = _post(url, {**FORM, "token": token, "day": "31.02.2027", "consent": ""})
    assert code == 422 and "gibt es nicht" in page and "zustimmen" in page
    assert "Begegnungscafé Grüne Wiese e.V." in page and "<img src=x" not in page
    assert _count(settings) == 0


def test_rate_limit_under_200_rapid_posts(site):
    settings, url = site
    token = _token(url)
    time.sleep(1.1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(lambda _: _post(url, {**FORM, "token": token})[0], range(200)))
    assert codes.count(200) == 5 and codes.count(429) == 195
    assert _count(settings, "pending") == 5


def test_contact_data_is_purged_after_keep_days(site):
    settings, _ = site
    with Submissions(settings.database) as subs:
        old = subs.add({**FORM, "day": "2026-01-05", "all_day": 1}, "k", "2026-01-01T00:00:00Z",
                       "2025-12-31T23:00:00Z", 5)
        new = subs.add({**FORM, "day": DAY.isoformat(), "all_day": 1}, "k",
                       "2026-01-01T00:00:01Z", "2025-12-31T23:00:00Z", 5)
        assert subs.purge_contacts(date(2026, 2, 5), 30) == 1
        assert subs.get(old)["contact_email"] == "" and subs.get(old)["contact_phone"] == ""
        assert subs.get(new)["contact_email"] == FORM["contact_email"]


def test_rate_limit_behind_a_trusted_proxy_counts_each_resident(write_config):
    """Behind a reverse proxy every submission came from the proxy's address, so five
    residents used up the hour's limit for everybody (issue 15, trusted_proxies)."""
    import requests

    settings = write_config(service='trusted_proxies = ["127.0.0.1"]\n',
                            extra="[submissions]\nmin_seconds = 1\nrate_limit = 2\n")
    store = Store(settings.database)
    app = Service(settings, store).app(status=None, metrics=None, healthy=None, admin=None)
    try:
        with running(app) as url:
            token = _token(url)
            time.sleep(1.1)

            def post(resident: str) -> int:
                return requests.post(url + "/termin-melden", data={**FORM, "token": token},
                                     headers={"X-Forwarded-For": resident},
                                     timeout=10).status_code

            assert [post("198.51.100.1") for _ in range(3)] == [200, 200, 429]
            assert [post("198.51.100.2") for _ in range(2)] == [200, 200]
    finally:
        store.close()
    assert _count(settings, "pending") == 4
