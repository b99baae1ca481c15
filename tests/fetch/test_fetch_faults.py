"""Fetch stage against misbehaving servers (issue 6): every fault ends in a FetchError
with a German sentence, within the configured limits.

Hanging and dripping servers come from tests/faultserver.py (raw sockets on 127.0.0.1);
plain bad answers from pytest-httpserver. Limits are small so each test takes seconds.
"""

from __future__ import annotations

import gzip
import json
import shutil
import ssl
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from syncsvc.config import Settings, SourceConfig
from syncsvc.errors import FetchError
from syncsvc.fetch import Fetcher
from syncsvc.models import Fetched, Validators

from faultserver import (
    FaultServer,
    canned,
    closed_port,
    drip,
    endless,
    never_answer,
    truncated,
)

pytestmark = pytest.mark.timeout(30)

CAP = 1 << 20  # 1 MB
TOTAL = 2.0  # seconds for a whole fetch
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def fetcher(tmp_path: Path):
    settings = Settings(config_path=tmp_path / "syncsvc.toml", allow_private_networks=True,
                        connect_timeout_s=1.0, total_timeout_s=TOTAL, max_bytes=CAP)
    f = Fetcher(settings, backoff=(0.05, 0.05))
    yield f
    f.close()


def fetch_error(fetcher: Fetcher, url: str) -> tuple[FetchError, float]:
    src = SourceConfig(id="wackel", name="Wackelquelle", url=url, kind="ics")
    start = time.monotonic()
    with pytest.raises(FetchError) as exc:
        fetcher.fetch(src, Validators())
    assert exc.value.source_id == "wackel"
    return exc.value, time.monotonic() - start


# --- no answer at all --------------------------------------------------------------------

def test_connection_refused(fetcher: Fetcher):
    err, elapsed = fetch_error(fetcher, f"http://127.0.0.1:{closed_port()}/feed.ics")
    assert "Verbindung abgelehnt" in err.message
    assert err.http_status is None and elapsed < 1.5


def test_dns_failure(fetcher: Fetcher):
    err, elapsed = fetch_error(fetcher, "http://kalender.partner.invalid/feed.ics")
    assert "„kalender.partner.invalid“ nicht gefunden (DNS-Fehler)" in err.message
    assert elapsed < 1.5


def test_accepts_and_never_answers(fetcher: Fetcher):
    with FaultServer(never_answer) as srv:
        err, elapsed = fetch_error(fetcher, srv.url)
    assert err.message == "Server antwortet nicht (Zeitüberschreitung nach 2 s)"
    assert TOTAL - 0.2 < elapsed < TOTAL + 2
    assert len(srv.requests) == 1  # a hanging server is not hammered with retries


@pytest.mark.parametrize("headers_too", [False, True], ids=["body", "head-and-body"])
def test_drip_one_byte_per_second_hits_the_total_limit(fetcher: Fetcher, headers_too: bool):
    body = ICS * 4  # ~180 bytes: three minutes at the drip rate
    with FaultServer(drip(body, 1.0, headers_too=headers_too)) as srv:
        err, elapsed = fetch_error(fetcher, srv.url)
    assert "Zeit" in err.message  # "zu langsam … (Zeitlimit)" or "Zeitüberschreitung"
    assert elapsed < TOTAL + 2
    assert srv.bytes_sent < 80  # head (68 bytes) and a few body bytes, not the whole body


@pytest.fixture
def tls(tmp_path: Path, monkeypatch) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1 that requests trusts for this test only."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True,
                   timeout=20)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def test_tls_works_and_a_tls_drip_hits_the_total_limit(fetcher: Fetcher, tls: ssl.SSLContext):
    with FaultServer(canned(ICS), tls=tls) as srv:
        src = SourceConfig(id="wackel", name="W", url=srv.url, kind="ics")
        assert fetcher.fetch(src, Validators()).body == ICS  # the TLS setup itself is sound
    with FaultServer(drip(ICS * 4, 1.0), tls=tls) as srv:
        err, elapsed = fetch_error(fetcher, srv.url)
    assert "zu langsam" in err.message and elapsed < TOTAL + 2


def test_concurrent_fetches_keep_their_own_deadlines(http: HTTPServer, fetcher: Fetcher):
    """The pipeline fetches in threads over one Fetcher: a hanging source must not cut off
    the others, and their sockets must not be shut down by its watchdog."""
    def slow_ok(request: Request) -> Response:  # would die if another watchdog hit it
        time.sleep(1.5)
        return Response(ICS)

    http.expect_request("/slow.ics").respond_with_handler(slow_ok)
    http.expect_request("/ok.ics").respond_with_data(ICS)
    with FaultServer(never_answer) as hang, ThreadPoolExecutor(4) as pool:
        def run(job: tuple[str, float]):
            url, delay = job
            time.sleep(delay)  # the slow fetch is still reading when the hang's deadline hits
            try:
                return fetcher.fetch(SourceConfig(id="p", name="P", url=url, kind="ics"),
                                     Validators())
            except FetchError as e:
                return e
        jobs = [(hang.url, 0), (http.url_for("/slow.ics"), 1.0), (http.url_for("/ok.ics"), 0),
                (hang.url, 0)]
        results = list(pool.map(run, jobs))
    assert [type(r).__name__ for r in results] == ["FetchError", "Fetched", "Fetched",
                                                   "FetchError"]
    assert results[1].body == ICS and "antwortet nicht" in results[0].message


# --- bad status codes --------------------------------------------------------------------

@pytest.mark.parametrize("code", [500, 502, 503])
def test_5xx_with_long_retry_after_is_reported_not_slept(http: HTTPServer, fetcher: Fetcher,
                                                          code: int):
    http.expect_request("/feed.ics").respond_with_data(
        "Wartung", status=code, headers={"Retry-After": "120"})
    err, elapsed = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.http_status == code and err.retry_after == 120
    assert err.message.startswith(f"HTTP {code}: ") and "120 s" in err.message
    assert len(http.log) == 1 and elapsed < 1


def test_503_retry_after_as_http_date(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data(
        "", status=503, headers={"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"})
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.retry_after is not None and err.retry_after > 365 * 86400


def test_short_retry_after_is_waited_for(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data(
        "", status=503, headers={"Retry-After": "1"})
    err, elapsed = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.retry_after == 1
    # two retries of 1 s would need 2 s: the second is skipped because it would pass the deadline
    assert 1 <= len(http.log) - 1 <= 2 and 1.0 <= elapsed < TOTAL + 1


def test_500_without_retry_after_is_retried_twice(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data("kaputt", status=500)
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.http_status == 500 and err.retry_after is None and not err.gone
    assert len(http.log) == 3


def test_429_reports_retry_after(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data(
        "", status=429, headers={"Retry-After": "600"})
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.http_status == 429 and err.retry_after == 600


def test_404(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data("<h1>Not Found</h1>", status=404)
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.message == "HTTP 404: Adresse nicht gefunden"
    assert err.http_status == 404 and not err.gone and len(http.log) == 1


def test_410_marks_the_source_gone(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data("", status=410)
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert err.message == "HTTP 410: Quelle wurde dauerhaft entfernt"
    assert err.http_status == 410 and err.gone


def test_empty_200(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data(b"", status=200)
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert "leere Antwort" in err.message and err.http_status == 200


# --- redirects ---------------------------------------------------------------------------

def test_redirect_loop(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    http.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/a"})
    err, _ = fetch_error(fetcher, http.url_for("/a"))
    assert "Weiterleitungsschleife" in err.message
    assert len(http.log) == 2


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/feed.ics",
                                    "javascript:alert(1)", "data:text/calendar,BEGIN"])
def test_redirect_to_a_non_http_scheme_is_refused(http: HTTPServer, fetcher: Fetcher,
                                                   target: str):
    http.expect_request("/feed.ics").respond_with_data(
        "", status=302, headers={"Location": target})
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    scheme = target.split(":")[0]
    assert f"nicht erlaubte Adresse ({scheme}:)" in err.message
    assert "nur http(s)" in err.message


# --- broken bodies -----------------------------------------------------------------------

def test_truncated_body(fetcher: Fetcher):
    with FaultServer(truncated(ICS, claimed=5000)) as srv:
        err, elapsed = fetch_error(fetcher, srv.url)
    assert "unvollständig" in err.message and elapsed < 1.5


def test_truncated_gzip_stream(http: HTTPServer, fetcher: Fetcher):
    packed = gzip.compress(ICS * 50)
    http.expect_request("/feed.ics").respond_with_data(
        packed[: len(packed) // 2], headers={"Content-Encoding": "gzip"})
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert "unvollständig" in err.message


def test_unsupported_content_encoding(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data(
        b"\x1b\x00garbage", headers={"Content-Encoding": "br"})
    err, _ = fetch_error(fetcher, http.url_for("/feed.ics"))
    assert "Kodierung" in err.message


# Runs in a child process: tracemalloc's peak counts every thread, and in a full test run
# threads left by other tests (servers, loggers) would be counted along with the fetch.
_TRACED = """
import json, sys, time, tracemalloc
from pathlib import Path
from syncsvc.config import Settings, SourceConfig
from syncsvc.errors import FetchError
from syncsvc.fetch import Fetcher
from syncsvc.models import Validators
url, cap, total = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
settings = Settings(config_path=Path("syncsvc.toml"), allow_private_networks=True,
                    connect_timeout_s=1.0, total_timeout_s=total, max_bytes=cap)
fetcher = Fetcher(settings, backoff=(0.05, 0.05))
src = SourceConfig(id="wackel", name="Wackelquelle", url=url, kind="ics")
tracemalloc.start()
start = time.monotonic()
try:
    fetcher.fetch(src, Validators())
    message = None
except FetchError as e:
    message = e.message
elapsed, peak = time.monotonic() - start, tracemalloc.get_traced_memory()[1]
print(json.dumps({"message": message, "elapsed": elapsed, "peak": peak}))
"""


def fetch_error_traced(url: str) -> tuple[str, float, int]:
    """The fetch's error message, its duration and the peak of Python memory it allocated
    (tracemalloc), measured in a fresh interpreter with the same limits as ``fetcher``."""
    out = subprocess.run([sys.executable, "-c", _TRACED, url, str(CAP), str(TOTAL)],
                         capture_output=True, text=True, timeout=20, check=True).stdout
    got = json.loads(out.splitlines()[-1])
    assert got["message"] is not None, "the fetch did not fail"
    return got["message"], got["elapsed"], got["peak"]


@pytest.mark.parametrize("declared", [None, 50 * CAP], ids=["unannounced", "announced"])
def test_body_over_the_cap_is_aborted_while_streaming(declared: int | None):
    with FaultServer(endless(content_length=declared)) as srv:
        message, elapsed, peak = fetch_error_traced(srv.url)
    assert message == "Antwort größer als 1 MB – abgebrochen"
    assert elapsed < 1.5
    assert srv.bytes_sent < 50 * CAP  # the server never got to send everything
    assert peak < 4 * CAP, peak  # the body was never held in memory as a whole


def test_body_exactly_at_the_cap_is_fine(http: HTTPServer, fetcher: Fetcher):
    http.expect_request("/feed.ics").respond_with_data(b"X" * CAP)
    src = SourceConfig(id="wackel", name="W", url=http.url_for("/feed.ics"), kind="ics")
    got = fetcher.fetch(src, Validators())
    assert isinstance(got, Fetched) and len(got.body) == CAP


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(CAP)
    out = [packer.compress(block) for _ in range(size // CAP)]
    return b"".join(out) + packer.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_gzip_bomb_is_capped_on_the_decompressed_size(encoding: str):
    bomb = _gzip_bomb(50 * CAP)  # 50 MB of zeros
    assert len(bomb) < 100 * 1024
    # served by the raw-socket server: an in-process framework would blur the memory peak
    handler = canned(bomb, {"Content-Encoding": encoding, "Content-Type": "text/calendar"})
    with FaultServer(handler) as srv:
        message, elapsed, peak = fetch_error_traced(srv.url)
    assert message == "Antwort größer als 1 MB – abgebrochen"
    assert peak < 4 * CAP, peak  # never inflated much past the cap
    assert elapsed < 1.5
