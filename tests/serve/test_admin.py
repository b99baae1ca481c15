"""The /admin status page: auth, content and chart, on a real SQLite file and real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import requests

from syncsvc.config import Settings, SourceConfig
from syncsvc.models import Event
from syncsvc.serve import make_app
from syncsvc.serve.admin import CSP, is_loopback, make_admin
from syncsvc.serve.admin.auth import LIMIT, WINDOW_S, Throttle
from syncsvc.serve.admin.chart import WEEKS
from syncsvc.serve.admin.session import ABSOLUTE_S, IDLE_S, Sessions
from syncsvc.service.status import read_status, stored_events
from syncsvc.store import Store

from conftest import running

TOKEN = "s3cret-Tökén-for-tests"
BERLIN = ZoneInfo("Europe/Berlin")
EVIL = 'HTTP 500 vom Server: <script>alert("x")</script> & „Ärger“'
STATES = {  # source id → expected health
    "gut": "ok", "alt": "stale", "kaputt": "failing", "geschrumpft": "shrink-held",
    "weg": "gone", "neu": "new", "aus": "disabled",
}


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_monday_10() -> datetime:
    today = datetime.now(BERLIN).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 10, tzinfo=BERLIN)


def weekly(source_id: str, uid: str, count: int) -> Event:
    start = next_monday_10()
    return Event(source_id=source_id, uid=uid, summary="Sprachcafé", start=iso(start),
                 end=iso(start + timedelta(hours=2)), tzid="Europe/Berlin",
                 rrule=f"FREQ=WEEKLY;COUNT={count}")


def build_settings(tmp_path: Path, **extra) -> Settings:
    sources = tuple(
        SourceConfig(id=sid, name=f"Partner „{sid}“", url=f"https://example.org/{sid}.ics",
                     kind="ics", enabled=sid != "aus") for sid in STATES
    ) + (SourceConfig(id="news", name="Tafel-Nachrichten", url="https://example.org/n.rss",
                      kind="feed"),)
    settings = Settings(config_path=tmp_path / "syncsvc.toml", database=tmp_path / "s.db",
                        output_dir=tmp_path / "public", sources=sources)
    return replace(settings, **extra)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A real SQLite file holding one source in each health state."""
    settings = build_settings(tmp_path)
    now = datetime.now(UTC)
    store = Store(settings.database)
    try:
        store.sync_sources(settings.sources)
        store.replace_events("gut", [weekly("gut", "cafe@gut", 10)],
                             last_attempt=iso(now), last_success=iso(now), http_status=200,
                             skipped_count=2, skipped_sample="Termin ohne Beginn",
                             merged_count=1)
        store.update_source("alt", last_attempt="2025-01-15T13:30:00Z",
                            last_success="2025-01-15T13:30:00Z", http_status=304)
        store.replace_events("kaputt", [weekly("kaputt", "k@kaputt", 3)],
                             last_success=iso(now - timedelta(hours=2)))
        store.update_source("kaputt", last_attempt=iso(now), http_status=500,
                            last_error=EVIL, consecutive_failures=3)
        store.update_source("geschrumpft", last_attempt=iso(now), last_success=iso(now),
                            held_reason="Der neue Stand hätte 40 von 44 Terminen entfernt.")
        store.update_source("weg", last_attempt=iso(now), http_status=410, gone=1,
                            last_error="Die Adresse gibt es nicht mehr (HTTP 410).")
        store.update_source("news", last_attempt=iso(now), last_success=iso(now), count=3)
    finally:
        store.close()
    return settings.database


def admin_for(settings: Settings, **kwargs):
    def status() -> dict:
        return read_status(settings)

    return make_admin(lambda: settings, status, lambda known: stored_events(settings, known),
                      **kwargs)


def call(admin, path: str = "/admin", method: str = "GET", body: bytes = b"", *,
         remote: str = "127.0.0.1", **headers):
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
               "REMOTE_ADDR": remote}
    environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
    code, hdrs, data = admin(environ)
    return code, dict(hdrs), data.decode("utf-8")


# --- auth, called directly --------------------------------------------------------------

def test_token_required_and_checked(tmp_path: Path, db: Path) -> None:
    admin = admin_for(build_settings(tmp_path, admin_token=TOKEN))
    code, headers, body = call(admin)
    assert code == 401 and 'name="token"' in body and "Admin-Token" in body
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert "Kirchengemeinde" not in body and "kaputt" not in body
    for wrong in ("Bearer nope", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer "):
        code, _, body = call(admin, authorization=wrong)
        assert code == 401, wrong
        assert "stimmt nicht" in body
    for cookie in ("syncsvc_admin=" + "A" * 43, "syncsvc_admin=", "syncsvc_admin=\"x"):
        assert call(admin, cookie=cookie)[0] == 401, cookie
    code, _, body = call(admin, authorization=f"Bearer {TOKEN}")
    assert code == 200 and "Letzter Erfolg" in body


def test_login_form_sets_session_cookie(tmp_path: Path, db: Path) -> None:
    admin = admin_for(build_settings(tmp_path, admin_token=TOKEN))
    code, _, body = call(admin, "/admin/login")
    assert code == 200 and 'action="/admin/login"' in body
    bad = urlencode({"token": "falsch"}).encode()
    code, headers, _ = call(admin, "/admin/login", "POST", bad)
    assert code == 401 and "Set-Cookie" not in headers
    good = urlencode({"token": TOKEN}).encode()
    code, headers, _ = call(admin, "/admin/login", "POST", good)
    assert code == 303 and headers["Location"] == "/admin"
    cookie = headers["Set-Cookie"]
    value = re.match(r"syncsvc_admin=([A-Za-z0-9_-]{43});", cookie).group(1)  # 32 random bytes
    assert TOKEN not in cookie
    assert f"Max-Age={int(ABSOLUTE_S)}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    code, _, body = call(admin, cookie=f"syncsvc_admin={value}")
    assert code == 200 and "Abmelden" in body
    code, headers, _ = call(admin, "/admin/logout", "POST", cookie=f"syncsvc_admin={value}")
    assert code == 303 and "Max-Age=0" in headers["Set-Cookie"]
    assert call(admin, cookie=f"syncsvc_admin={value}")[0] == 401


def test_cookie_is_secure_behind_https(tmp_path: Path, db: Path) -> None:
    admin = admin_for(build_settings(tmp_path, admin_token=TOKEN,
                                     base_url="https://termine.example.org"))
    _, headers, _ = call(admin, "/admin/login", "POST", urlencode({"token": TOKEN}).encode())
    assert "; Secure" in headers["Set-Cookie"]


def test_no_token_only_on_loopback(tmp_path: Path, db: Path) -> None:
    code, _, body = call(admin_for(build_settings(tmp_path, bind="0.0.0.0")))
    assert code == 403
    assert "admin_token_env" in body and "Admin-Token" in body
    assert "kaputt" not in body
    for bind in ("127.0.0.1", "::1", "localhost"):
        code, _, body = call(admin_for(build_settings(tmp_path, bind=bind)))
        assert code == 200, bind
        assert "Abmelden" not in body


def test_no_token_follows_the_sockets_actually_bound(tmp_path: Path, db: Path) -> None:
    settings = build_settings(tmp_path, bind="127.0.0.1")  # as a reload may say
    for hosts, code in (((("0.0.0.0",)), 403), (("127.0.0.1", "::1"), 200),
                        (("127.0.0.1", "::"), 403), ((), 403)):
        assert call(admin_for(settings, bound=lambda h=hosts: h))[0] == code, hosts


@pytest.mark.parametrize("bind,expected", [
    ("127.0.0.1", True), ("127.0.0.53", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("syncsvc.example.org", False), ("", False),
])
def test_is_loopback(bind: str, expected: bool) -> None:
    assert is_loopback(bind) is expected


def test_read_only_and_unknown_paths(tmp_path: Path, db: Path) -> None:
    admin = admin_for(build_settings(tmp_path, admin_token=TOKEN))
    auth = {"authorization": f"Bearer {TOKEN}"}
    assert call(admin, "/admin", "POST", b"x=1", **auth)[0] == 405
    assert call(admin, "/admin/nichts", **auth)[0] == 404
    assert call(admin, "/admin/", **auth)[0] == 200


def test_wrong_tokens_lock_the_address_out(tmp_path: Path, db: Path) -> None:
    admin = admin_for(build_settings(tmp_path, admin_token=TOKEN))
    _, headers, _ = call(admin, "/admin/login", "POST", urlencode({"token": TOKEN}).encode(),
                         remote="203.0.113.9")
    cookie = headers["Set-Cookie"].split(";")[0]  # logged in before the attack
    guess = urlencode({"token": "raten"}).encode()
    for i in range(LIMIT):
        assert call(admin, "/admin/login", "POST", guess, remote="203.0.113.9")[0] == 401, i
    # now every attempt from that address is refused, the right token too
    for attempt in ({"authorization": f"Bearer {TOKEN}"}, {"authorization": "Bearer raten"}):
        code, headers, body = call(admin, remote="203.0.113.9", **attempt)
        assert code == 429 and "Zu viele falsche Admin-Tokens" in body
        assert 0 < int(headers["Retry-After"]) <= WINDOW_S
        assert "kaputt" not in body
    code, _, body = call(admin, "/admin/login", "POST", urlencode({"token": TOKEN}).encode(),
                         remote="203.0.113.9")
    assert code == 429
    # another address is not affected, and neither is an existing session
    assert call(admin, remote="198.51.100.4", authorization=f"Bearer {TOKEN}")[0] == 200
    assert call(admin, remote="203.0.113.9", cookie=cookie)[0] == 200


def test_a_right_token_clears_earlier_mistakes(tmp_path: Path, db: Path) -> None:
    admin = admin_for(build_settings(tmp_path, admin_token=TOKEN))
    for _ in range(LIMIT - 1):
        assert call(admin, authorization="Bearer vertippt")[0] == 401
    assert call(admin, authorization=f"Bearer {TOKEN}")[0] == 200
    for _ in range(LIMIT - 1):
        assert call(admin, authorization="Bearer vertippt")[0] == 401
    assert call(admin, authorization=f"Bearer {TOKEN}")[0] == 200


def test_throttle_window_ages_out() -> None:
    now = [1000.0]
    throttle = Throttle(limit=3, window_s=60, clock=lambda: now[0])
    for step in (0, 10, 20):
        now[0] = 1000.0 + step
        throttle.failed("a")
    assert throttle.retry_after("a") == 40  # the first failure ages out at 1060
    assert throttle.retry_after("b") == 0
    now[0] = 1060.0
    assert throttle.retry_after("a") == 0  # two failures left in the window
    throttle.failed("a")
    assert throttle.retry_after("a") == 10  # until the one at 1010 ages out


# --- content ----------------------------------------------------------------------------

def test_page_shows_every_state_in_german_and_escapes(tmp_path: Path, db: Path) -> None:
    code, headers, body = call(admin_for(build_settings(tmp_path)))
    assert code == 200
    assert headers["Content-Security-Policy"] == CSP
    assert "default-src 'none'" in CSP and "frame-ancestors 'none'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    for sid, state in STATES.items():
        assert f'class="badge health-{state}"' in body, sid
    for label in ("in Ordnung", "veraltet", "fehlerhaft", "zurückgehalten",
                  "entfernt (HTTP 410)", "noch nicht abgerufen", "abgeschaltet"):
        assert label in body
    assert "<script" not in body  # no JavaScript at all, and the partner's is escaped
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; „Ärger“" in body
    assert "15.01.2025, 14:30 Uhr" in body  # German date, local time
    assert "Der neue Stand hätte 40 von 44 Terminen entfernt." in body
    assert "syncsvc accept geschrumpft" in body
    assert "Partner „gut“" in body
    assert "2 fehlerhafte Einträge ausgelassen – z. B.: Termin ohne Beginn" in body
    assert "Bitte ansehen:" in body and 'href="#quelle-kaputt"' in body


def test_chart_counts_events_per_week(tmp_path: Path, db: Path) -> None:
    settings = build_settings(tmp_path)
    loads: list[str] = []

    def stored(known):  # the service's read, counting the times events are loaded
        version, events = stored_events(settings, known)
        if events is not None:
            loads.append(version)
        return version, events

    admin = make_admin(lambda: settings, lambda: read_status(settings), stored)
    _, _, body = call(admin)
    charts = re.findall(r'<svg class="chart".*?</svg>', body)
    assert len(charts) == len(STATES)  # every event source, not the news feed
    assert "– (Nachrichten)" in body
    by_source = dict(zip([s for s in STATES], charts, strict=True))
    gut = by_source["gut"]
    assert gut.count("<rect") == WEEKS
    tips = re.findall(r"<title>(KW \d+) \(ab (\d\d\.\d\d\.\d{4})\): (\d+) Termin", gut)
    counts = [int(n) for _, _, n in tips]
    assert counts == [0] + [1] * 10 + [0] * (WEEKS - 11)  # this week empty, then 10 weekly
    monday = next_monday_10().date()
    assert tips[1][:2] == (f"KW {monday.isocalendar().week}", f"{monday:%d.%m.%Y}")
    assert "insgesamt 10" in gut and "10 Termine" in body
    assert "Keine kommenden Termine!" in body  # the sources without events say so
    _, _, again = call(admin)  # an unchanged store: the same charts, no events loaded
    assert re.findall(r'<svg class="chart".*?</svg>', again) == charts and len(loads) == 1
    # the cached counts follow the store
    store = Store(settings.database)
    store.replace_events("gut", [weekly("gut", "cafe@gut", 3)])
    store.close()
    _, _, body = call(admin)
    assert "insgesamt 3," in re.findall(r'<svg class="chart".*?</svg>', body)[0]
    assert len(loads) == 2


def test_warnings_on_top(tmp_path: Path, db: Path) -> None:
    settings = build_settings(tmp_path, school_holidays=str(tmp_path / "fehlt.ics"))
    settings = replace(settings, sources=settings.sources + (SourceConfig(
        id="stadt", name="Stadt", url=str(tmp_path / "stadt.toml"), kind="schedule"),))
    _, _, body = call(admin_for(settings))
    warn = body.index("Ferientermine nicht lesbar")
    assert warn < body.index("<table")


# --- through the real HTTP server -------------------------------------------------------

@pytest.fixture
def http_base(tmp_path: Path, db: Path):
    settings = build_settings(tmp_path, admin_token=TOKEN)
    settings.output_dir.mkdir()
    app = make_app(settings, status=lambda: {}, admin=admin_for(settings))
    with running(app) as base:
        yield base


def test_over_http(http_base: str) -> None:
    r = requests.get(f"{http_base}/admin", timeout=10)
    assert r.status_code == 401 and 'name="token"' in r.text
    r = requests.get(f"{http_base}/admin", timeout=10, headers={"Authorization": "Bearer x"})
    assert r.status_code == 401
    r = requests.get(f"{http_base}/admin", timeout=10,
                     headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and r.headers["Content-Security-Policy"] == CSP
    assert "nosniff" in r.headers["X-Content-Type-Options"]
    assert "fehlerhaft" in r.text and "<svg" in r.text
    with requests.Session() as s:
        r = s.post(f"{http_base}/admin/login", data={"token": TOKEN}, timeout=10)
        assert r.status_code == 200 and r.url.endswith("/admin")  # followed the 303
        assert "zurückgehalten" in r.text and s.cookies.get("syncsvc_admin")
        assert s.cookies.get("syncsvc_admin") != TOKEN
    r = requests.post(f"{http_base}/admin/login", data={"token": "falsch"}, timeout=10,
                      allow_redirects=False)
    assert r.status_code == 401 and "Set-Cookie" not in r.headers


# --- issue 15: server-side sessions -----------------------------------------------------

def test_admin_session_cookie_is_not_a_fixed_value_and_expires_server_side(
        tmp_path: Path, db: Path) -> None:
    """Finding: the admin session cookie was a fixed value (an HMAC of the token) without
    server-side expiry: every login got the same cookie, and a copy kept working after
    the logout for as long as the token stayed the same. Over real HTTP on 127.0.0.1."""
    settings = [build_settings(tmp_path, admin_token=TOKEN)]
    settings[0].output_dir.mkdir()
    admin = make_admin(lambda: settings[0], lambda: read_status(settings[0]),
                       lambda known: stored_events(settings[0], known))
    app = make_app(settings[0], status=lambda: {}, admin=admin)

    def login(base: str) -> str:
        r = requests.post(f"{base}/admin/login", data={"token": TOKEN}, timeout=10,
                          allow_redirects=False)
        assert r.status_code == 303
        assert "HttpOnly" in r.headers["Set-Cookie"]
        assert "SameSite=Strict" in r.headers["Set-Cookie"]
        return r.cookies["syncsvc_admin"]

    def page(base: str, cookie: str) -> int:
        return requests.get(f"{base}/admin", cookies={"syncsvc_admin": cookie},
                            timeout=10).status_code

    with running(app) as base:
        first, second = login(base), login(base)
        assert first != second  # random per login, not derived from the token
        fixed = hmac.new(TOKEN.encode(), b"syncsvc admin session v1", hashlib.sha256)
        assert fixed.hexdigest() not in (first, second) and TOKEN not in first
        assert len(first) >= 40
        assert page(base, first) == 200 and page(base, second) == 200
        r = requests.post(f"{base}/admin/logout", cookies={"syncsvc_admin": first},
                          timeout=10, allow_redirects=False)
        assert r.status_code == 303 and "Max-Age=0" in r.headers["Set-Cookie"]
        assert page(base, first) == 401  # a copy of the cookie is worthless after logout
        assert page(base, second) == 200  # the other login is not affected
        # a new token in the config ends every session opened with the old one
        settings[0] = replace(settings[0], admin_token=TOKEN + "-neu")
        assert page(base, second) == 401
        settings[0] = replace(settings[0], admin_token=TOKEN)
        assert page(base, second) == 401  # and it stays ended


def test_admin_session_ends_when_idle_after_8_hours_and_with_another_token(
        tmp_path: Path, db: Path) -> None:
    now = [1000.0]
    sessions = Sessions(clock=lambda: now[0])
    settings = build_settings(tmp_path, admin_token=TOKEN)
    admin = admin_for(settings, sessions=sessions)

    def login() -> str:
        _, headers, _ = call(admin, "/admin/login", "POST",
                             urlencode({"token": TOKEN}).encode())
        return headers["Set-Cookie"].split(";")[0]

    idle, busy = login(), login()
    for _ in range(int(ABSOLUTE_S // (IDLE_S / 2)) - 1):  # used every half hour
        now[0] += IDLE_S / 2
        assert call(admin, cookie=busy)[0] == 200
    assert call(admin, cookie=idle)[0] == 401  # an hour without a request ended it
    now[0] = 1000.0 + ABSOLUTE_S
    assert call(admin, cookie=busy)[0] == 401  # 8 h after the login, however busy
    assert len(sessions) == 0
    # the token only ever as a fingerprint in memory; another token ends the sessions
    sid = sessions.open(TOKEN)
    assert sessions.valid(sid, TOKEN) and not sessions.valid(sid, "anderes")
    assert not sessions.valid(sid, TOKEN)
    assert all(TOKEN not in repr(v) for v in vars(sessions).values())


def test_sessions_are_capped_oldest_first() -> None:
    now = [0.0]
    sessions = Sessions(clock=lambda: now[0], limit=3)
    ids = []
    for _ in range(4):
        now[0] += 1
        ids.append(sessions.open(TOKEN))
    assert [sessions.valid(s, TOKEN) for s in ids] == [False, True, True, True]


# --- issue 15: the lockout behind a reverse proxy ---------------------------------------

def _logins(base: str, token: str, forwarded: str, times: int = 1) -> list[int]:
    return [requests.post(f"{base}/admin/login", data={"token": token}, timeout=10,
                          headers={"X-Forwarded-For": forwarded},
                          allow_redirects=False).status_code for _ in range(times)]


def test_admin_lockout_behind_a_proxy_does_not_lock_the_real_admin_out(
        tmp_path: Path, db: Path) -> None:
    """Finding: behind a reverse proxy every request came from the proxy's address, so an
    attacker's wrong tokens locked the real admin out as well. Real HTTP on 127.0.0.1,
    the test client in the role of a proxy listed in trusted_proxies."""
    settings = build_settings(tmp_path, admin_token=TOKEN, trusted_proxies=("127.0.0.1",))
    settings.output_dir.mkdir()
    app = make_app(settings, status=lambda: {}, admin=admin_for(settings))
    attacker, admin = "203.0.113.9", "198.51.100.4"
    with running(app) as base:
        assert _logins(base, "raten", attacker, LIMIT) == [401] * LIMIT
        assert _logins(base, TOKEN, attacker) == [429]
        assert _logins(base, TOKEN, admin) == [303]  # another client: not locked out
        # an address written in front of the one the proxy appended changes nothing
        assert _logins(base, TOKEN, f"{admin}, {attacker}") == [429]
        assert _logins(base, TOKEN, f"{attacker}, {admin}") == [303]


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
        tmp_path: Path, db: Path) -> None:
    """The other side: a client that forges X-Forwarded-For (no proxy configured, or
    not from the proxy) cannot get fresh attempts by naming a new address each time."""
    for trusted in ((), ("192.0.2.1", "10.0.0.0/8", "proxy-gibt-es-nicht.invalid")):
        settings = build_settings(tmp_path, admin_token=TOKEN, trusted_proxies=trusted)
        settings.output_dir.mkdir(exist_ok=True)
        app = make_app(settings, status=lambda: {}, admin=admin_for(settings))
        with running(app) as base:
            codes = [_logins(base, "raten", f"198.51.100.{n}")[0] for n in range(LIMIT)]
            assert codes == [401] * LIMIT, trusted
            assert _logins(base, TOKEN, "198.51.100.200") == [429], trusted


def test_client_address_reads_forwarded_for_from_the_right() -> None:
    from syncsvc.serve.client import ClientAddress

    names = {"proxy": ["172.18.0.5"]}
    client = ClientAddress(["127.0.0.1", "10.0.0.0/8", "proxy"],
                           resolve=lambda n: names.get(n, []))

    def of(peer: str, forwarded: str | None = None) -> str:
        env = {"REMOTE_ADDR": peer}
        if forwarded is not None:
            env["HTTP_X_FORWARDED_FOR"] = forwarded
        return client(env)

    assert of("203.0.113.9", "1.2.3.4") == "203.0.113.9"  # not a proxy: header ignored
    assert of("127.0.0.1", "198.51.100.4") == "198.51.100.4"
    assert of("172.18.0.5", "198.51.100.4") == "198.51.100.4"  # by name (compose)
    assert of("10.1.2.3", "6.6.6.6, 198.51.100.4, 10.9.9.9") == "198.51.100.4"
    assert of("127.0.0.1", "[2001:db8::1]:4711") == "2001:db8::1"
    assert of("127.0.0.1", "198.51.100.4:4711") == "198.51.100.4"
    assert of("127.0.0.1", "::ffff:198.51.100.4") == "198.51.100.4"
    assert of("127.0.0.1", "kein-ip, 198.51.100.4") == "198.51.100.4"
    assert of("127.0.0.1", "198.51.100.4, kaputt") == "127.0.0.1"  # the proxy's own bucket
    assert of("127.0.0.1") == "127.0.0.1" and of("127.0.0.1", "10.0.0.1") == "10.0.0.1"
