"""Fetch stage, normal operation: conditional GET, local files, gzip, redirects, credentials.

Real HTTP on 127.0.0.1 (pytest-httpserver); the nasty servers are in test_fetch_faults.py.
"""

from __future__ import annotations

import base64
import gzip
import logging
import os
import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from syncsvc import __version__
from syncsvc.config import Settings, SourceConfig
from syncsvc.errors import FetchError
from syncsvc.fetch import Fetcher
from syncsvc.fetch.limits import public_ip_or_none
from syncsvc.models import Fetched, NotModified, Validators

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Partner//DE\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(config_path=tmp_path / "syncsvc.toml", allow_private_networks=True,
                    base_url="http://idstein.test:8080", connect_timeout_s=1.0,
                    total_timeout_s=3.0, max_bytes=1 << 20, feeds_dir=tmp_path)


@pytest.fixture
def fetcher(settings: Settings):
    f = Fetcher(settings, backoff=(0.05, 0.05))
    yield f
    f.close()


def source(url: str, **kw) -> SourceConfig:
    return SourceConfig(id="partner", name="Partner e.V.", url=url, kind="ics", **kw)


def test_200_gives_body_and_validators_then_304(http: HTTPServer, fetcher: Fetcher):
    seen = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(ICS, headers={"ETag": '"v1"', "Content-Type": "text/calendar",
                                      "Last-Modified": "Mon, 03 Jun 2024 10:00:00 GMT"})

    http.expect_request("/cal.ics").respond_with_handler(handler)
    src = source(http.url_for("/cal.ics"))
    first = fetcher.fetch(src, Validators())
    assert isinstance(first, Fetched)
    assert first.body == ICS and first.http_status == 200
    assert first.validators == Validators(etag='"v1"',
                                          last_modified="Mon, 03 Jun 2024 10:00:00 GMT")
    assert first.content_type == "text/calendar"
    assert "If-None-Match" not in seen[0] and "If-Modified-Since" not in seen[0]
    assert seen[0]["User-Agent"] == f"syncsvc/{__version__} (+http://idstein.test:8080)"
    assert seen[0]["Accept-Encoding"] == "gzip"

    second = fetcher.fetch(src, first.validators)
    assert isinstance(second, NotModified)
    assert seen[1]["If-None-Match"] == '"v1"'
    assert seen[1]["If-Modified-Since"] == "Mon, 03 Jun 2024 10:00:00 GMT"


def test_force_sends_no_validators(http: HTTPServer, fetcher: Fetcher):
    seen = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if "If-None-Match" in request.headers:  # a server that answers 304 forever
            return Response(status=304)
        return Response(ICS, headers={"ETag": '"v2"'})

    http.expect_request("/cal.ics").respond_with_handler(handler)
    old = Validators(etag='"v1"', last_modified="Mon, 03 Jun 2024 10:00:00 GMT")
    got = fetcher.fetch(source(http.url_for("/cal.ics")), old, force=True)
    assert isinstance(got, Fetched) and got.body == ICS
    assert got.validators.etag == '"v2"'
    assert "If-None-Match" not in seen[0] and "If-Modified-Since" not in seen[0]


def test_unasked_304_is_an_error(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/cal.ics").respond_with_data("", status=304)
    with pytest.raises(FetchError) as exc:
        fetcher.fetch(source(http.url_for("/cal.ics")), Validators())
    assert exc.value.http_status == 304


def test_validators_not_taken_from_a_redirect(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/old.ics").respond_with_data(
        "", status=301, headers={"Location": "/new.ics", "ETag": '"redirect"',
                                 "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})
    http.expect_request("/new.ics").respond_with_data(ICS, content_type="text/calendar")
    got = fetcher.fetch(source(http.url_for("/old.ics")), Validators())
    assert isinstance(got, Fetched) and got.body == ICS
    assert got.validators == Validators()
    assert got.final_url == http.url_for("/new.ics")


def test_validators_not_taken_from_errors(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/cal.ics").respond_with_data(
        "nope", status=404, headers={"ETag": '"error-page"'})
    with pytest.raises(FetchError) as exc:
        fetcher.fetch(source(http.url_for("/cal.ics")), Validators())
    assert not hasattr(exc.value, "validators")
    assert '"error-page"' not in str(exc.value)


def test_redirect_chain_of_five_is_followed_six_is_not(http: HTTPServer, fetcher: Fetcher):
    for i in range(6):
        http.expect_request(f"/r{i}").respond_with_data(
            "", status=302, headers={"Location": f"/r{i + 1}"})
    http.expect_request("/r6").respond_with_data(ICS)
    got = fetcher.fetch(source(http.url_for("/r1")), Validators())  # 5 redirects
    assert isinstance(got, Fetched) and got.body == ICS
    with pytest.raises(FetchError, match="Zu viele Weiterleitungen"):
        fetcher.fetch(source(http.url_for("/r0")), Validators())  # 6 redirects


def test_gzip_is_decoded(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/cal.ics").respond_with_data(
        gzip.compress(ICS), headers={"Content-Encoding": "gzip"})
    got = fetcher.fetch(source(http.url_for("/cal.ics")), Validators())
    assert got.body == ICS


def test_latin1_body_passes_through_untouched(http: HTTPServer, fetcher: Fetcher):
    body = "SUMMARY:Grüße aus Idstein – Straßenfest\r\n".encode("cp1252")
    http.expect_request("/cal.ics").respond_with_data(
        body, content_type="text/calendar; charset=utf-8")
    got = fetcher.fetch(source(http.url_for("/cal.ics")), Validators())
    assert got.body == body  # bytes exactly as sent: decoding belongs to parse
    assert got.content_type == "text/calendar; charset=utf-8"


def test_retries_a_503_then_succeeds(http: HTTPServer, fetcher: Fetcher):
    calls = []

    def handler(request: Request) -> Response:
        calls.append(1)
        return Response(status=503) if len(calls) == 1 else Response(ICS)

    http.expect_request("/cal.ics").respond_with_handler(handler)
    got = fetcher.fetch(source(http.url_for("/cal.ics")), Validators())
    assert isinstance(got, Fetched) and len(calls) == 2


def test_local_file_uses_mtime_as_validator(tmp_path: Path, fetcher: Fetcher):
    path = tmp_path / "stadt.ics"
    path.write_bytes(ICS)
    os.utime(path, ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    src = source(str(path))
    first = fetcher.fetch(src, Validators())
    assert isinstance(first, Fetched) and first.body == ICS
    assert first.validators.last_modified == "2023-11-14T22:13:20.123456789Z"
    assert isinstance(fetcher.fetch(src, first.validators), NotModified)
    assert isinstance(fetcher.fetch(src, first.validators, force=True), Fetched)

    path.write_bytes(ICS + b"\r\n")
    os.utime(path, ns=(1_700_000_001_000_000_000, 1_700_000_001_000_000_000))
    third = fetcher.fetch(src, first.validators)
    assert isinstance(third, Fetched) and third.body == ICS + b"\r\n"
    assert third.validators != first.validators


def test_local_file_missing_or_empty(tmp_path: Path, fetcher: Fetcher):
    with pytest.raises(FetchError, match="Datei nicht gefunden") as exc:
        fetcher.fetch(source(str(tmp_path / "weg.ics")), Validators())
    assert exc.value.source_id == "partner"
    (tmp_path / "leer.ics").write_bytes(b"")
    with pytest.raises(FetchError, match="leere Datei"):
        fetcher.fetch(source(str(tmp_path / "leer.ics")), Validators())


def test_local_file_over_the_cap(tmp_path: Path, fetcher: Fetcher):
    big = tmp_path / "gross.ics"
    big.write_bytes(b"X" * ((1 << 20) + 1))
    with pytest.raises(FetchError, match="größer als 1 MB"):
        fetcher.fetch(source(str(big)), Validators())


# --- credentials -----------------------------------------------------------------------

PASSWORD = "Geheim-Passw0rt!"
TOKEN = "tok-5f3c9a1e-very-secret"


def _secrets() -> list[str]:
    basic = base64.b64encode(f"idstein:{PASSWORD}".encode()).decode()
    return [PASSWORD, basic, TOKEN]


def _assert_no_secret(text: str) -> None:
    for secret in _secrets():
        assert secret not in text


def _record_authorization(http: HTTPServer, path: str, answer: Response) -> list[str | None]:
    """Answer ``path`` with ``answer``; the list fills with each request's Authorization."""
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Authorization"))
        return answer

    http.expect_request(path).respond_with_handler(handler)
    return seen


def test_basic_auth_from_env_is_sent_but_never_shown(http: HTTPServer, fetcher: Fetcher,
                                                     monkeypatch, caplog):
    monkeypatch.setenv("PARTNER_AUTH", f"idstein:{PASSWORD}")
    seen = _record_authorization(http, "/cal.ics", Response("kaputt", status=500))
    caplog.set_level(logging.DEBUG)
    src = source(http.url_for("/cal.ics"), auth_env="PARTNER_AUTH")
    with pytest.raises(FetchError) as exc:
        fetcher.fetch(src, Validators())
    assert seen and seen[0] == "Basic " + _secrets()[1]
    assert exc.value.http_status == 500 and len(seen) == 3  # retried twice
    _assert_no_secret(str(exc.value) + repr(exc.value.args))
    _assert_no_secret(caplog.text)
    assert any(getattr(r, "source", None) == "partner" for r in caplog.records)


def test_bearer_token_from_env_is_sent_but_never_shown(http: HTTPServer, fetcher: Fetcher,
                                                       monkeypatch, caplog):
    monkeypatch.setenv("PARTNER_TOKEN", TOKEN)
    seen = _record_authorization(http, "/cal.ics", Response("nein", status=401))
    caplog.set_level(logging.DEBUG)
    src = source(http.url_for("/cal.ics"), token_env="PARTNER_TOKEN")
    with pytest.raises(FetchError, match="HTTP 401") as exc:
        fetcher.fetch(src, Validators())
    assert seen == [f"Bearer {TOKEN}"]
    _assert_no_secret(str(exc.value))
    _assert_no_secret(caplog.text)


def test_credentials_not_sent_to_another_host_on_redirect(http: HTTPServer, fetcher: Fetcher,
                                                          monkeypatch):
    monkeypatch.setenv("PARTNER_TOKEN", TOKEN)
    seen = {}

    def record(request: Request) -> Response:
        seen[request.path] = request.headers.get("Authorization")
        if request.path == "/start":
            other = http.url_for("/moved").replace("127.0.0.1", "localhost")
            return Response(status=302, headers={"Location": other})
        return Response(ICS)

    http.expect_request("/start").respond_with_handler(record)
    http.expect_request("/moved").respond_with_handler(record)
    got = fetcher.fetch(source(http.url_for("/start"), token_env="PARTNER_TOKEN"),
                        Validators())
    assert isinstance(got, Fetched)
    assert seen == {"/start": f"Bearer {TOKEN}", "/moved": None}


def test_missing_credentials_env_is_named_not_fetched(http: HTTPServer, fetcher: Fetcher,
                                                      monkeypatch):
    monkeypatch.delenv("PARTNER_AUTH", raising=False)
    with pytest.raises(FetchError, match="PARTNER_AUTH"):
        fetcher.fetch(source(http.url_for("/cal.ics"), auth_env="PARTNER_AUTH"), Validators())
    assert http.log == []


def test_every_log_record_names_the_source(http: HTTPServer, fetcher: Fetcher, tmp_path: Path,
                                           caplog):
    http.expect_request("/ok.ics").respond_with_data(ICS, headers={"ETag": '"a"'})
    http.expect_request("/flaky.ics").respond_with_data("", status=503)
    (tmp_path / "lokal.ics").write_bytes(ICS)
    caplog.set_level(logging.DEBUG, logger="syncsvc.fetch")
    got = fetcher.fetch(source(http.url_for("/ok.ics")), Validators())
    fetcher.fetch(source(http.url_for("/ok.ics")), got.validators)
    with pytest.raises(FetchError):
        fetcher.fetch(source(http.url_for("/flaky.ics")), Validators())
    fetcher.fetch(source(str(tmp_path / "lokal.ics")), Validators())
    records = [r for r in caplog.records if r.name == "syncsvc.fetch.fetcher"]
    assert len(records) >= 6
    assert all(getattr(r, "source", None) == "partner" for r in records)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/feed.ics",     # the host itself (admin services on loopback)
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://10.0.0.5/intranet.ics",
    "http://[::1]:{port}/feed.ics",
])
def test_internal_addresses_are_refused_unless_allowed(http, tmp_path, url):
    http.expect_request("/feed.ics").respond_with_data(ICS)
    strict = Fetcher(Settings(config_path=tmp_path / "syncsvc.toml", connect_timeout_s=1.0,
                              total_timeout_s=3.0))
    src = SourceConfig(id="intern", name="Intern", url=url.format(port=http.port), kind="ics")
    with pytest.raises(FetchError, match="ins interne Netz") as err:
        strict.fetch(src, Validators())
    assert "allow_private_networks" in err.value.message
    assert len(http.log) == 0  # refused before any request was sent
    strict.close()


def _rebinding_dns(monkeypatch, name: str, first: str, then: str) -> list[str]:
    """Make ``name`` resolve to ``first`` on the first lookup and to ``then`` afterwards,
    as a partner's DNS with a zero TTL can (DNS rebinding). Returns the answers given."""
    real, answers = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if host != name:
            return real(host, port, *args, **kwargs)
        answers.append(first if not answers else then)
        return real(answers[-1], port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_dns_rebinding_to_an_internal_address_is_refused_at_connect(http, tmp_path,
                                                                     monkeypatch):
    http.expect_request("/feed.ics").respond_with_data(ICS)
    answers = _rebinding_dns(monkeypatch, "kalender.partner.test", "93.184.215.14", "127.0.0.1")
    strict = Fetcher(Settings(config_path=tmp_path / "syncsvc.toml", connect_timeout_s=1.0,
                              total_timeout_s=3.0))
    src = SourceConfig(id="umbiegen", name="Umbiegen", kind="ics",
                       url=f"http://kalender.partner.test:{http.port}/feed.ics")
    with pytest.raises(FetchError, match=r"kalender\.partner\.test zeigt ins interne Netz "
                                         r"\(127\.0\.0\.1\)") as err:
        strict.fetch(src, Validators())
    strict.close()
    assert err.value.source_id == "umbiegen"
    assert answers[0] == "93.184.215.14" and "127.0.0.1" in answers[1:]  # check passed first
    assert len(http.log) == 0  # the connection was closed before the request was sent


def test_connect_time_check_is_off_when_private_networks_are_allowed(http, tmp_path,
                                                                     monkeypatch):
    http.expect_request("/feed.ics").respond_with_data(ICS)
    _rebinding_dns(monkeypatch, "kalender.intern.test", "127.0.0.1", "127.0.0.1")
    open_fetcher = Fetcher(Settings(config_path=tmp_path / "syncsvc.toml",
                                    allow_private_networks=True, total_timeout_s=3.0))
    src = SourceConfig(id="intern", name="Intern", kind="ics",
                       url=f"http://kalender.intern.test:{http.port}/feed.ics")
    got = open_fetcher.fetch(src, Validators())
    open_fetcher.close()
    assert isinstance(got, Fetched) and got.body == ICS


@pytest.mark.parametrize("address, verdict", [
    ("93.184.215.14", None), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
    ("127.0.0.1", "127.0.0.1"), ("::ffff:10.1.2.3", "10.1.2.3"), ("fe80::1%eth0", "fe80::1"),
    ("100.64.0.1", "100.64.0.1"), ("::ffff:93.184.215.14", None),
])
def test_public_address_verdicts(address, verdict):
    assert public_ip_or_none(address) == verdict


@pytest.mark.parametrize("address", [
    "64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b:1::a9fe:a9fe", "2002:a00:1::1",
    "2002:c0a8:101::1", "::10.0.0.1", "::ffff:192.168.1.1", "::ffff:169.254.169.254",
])
def test_ipv6_forms_embedding_a_private_ipv4_are_refused(address):
    """NAT64, 6to4 and IPv4-compatible addresses reach the embedded IPv4 via a gateway."""
    assert public_ip_or_none(address) is not None


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8",
                                     "2a00:1450:4001:80b::200e"])
def test_ipv6_forms_embedding_a_public_ipv4_stay_allowed(address):
    assert public_ip_or_none(address) is None
