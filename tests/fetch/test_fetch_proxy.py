"""Proxies are explicit (issue 15): only ``[service] proxy`` routes fetches through one.

requests reads HTTP_PROXY/HTTPS_PROXY from the environment by default; with one set, every
fetch went through it and the connected-peer check (which then sees the proxy) could no
longer refuse internal targets. All servers here are on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from syncsvc.config import Settings, SourceConfig
from syncsvc.fetch import Fetcher
from syncsvc.models import Validators

from faultserver import FaultServer, canned

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Partner//DE\r\nEND:VCALENDAR\r\n"
VIA_PROXY = b"BEGIN:VCALENDAR\r\nPRODID:-//Proxy//DE\r\nEND:VCALENDAR\r\n"


def _fetch(tmp_path: Path, url: str, **kw) -> bytes:
    settings = Settings(config_path=tmp_path / "syncsvc.toml", allow_private_networks=True,
                        connect_timeout_s=1.0, total_timeout_s=3.0, **kw)
    fetcher = Fetcher(settings, backoff=())
    try:
        src = SourceConfig(id="partner", name="Partner", url=url, kind="ics")
        return fetcher.fetch(src, Validators(), force=True).body
    finally:
        fetcher.close()


def test_proxy_from_the_environment_is_ignored(http: HTTPServer, tmp_path, monkeypatch):
    http.expect_request("/kal.ics").respond_with_data(ICS, content_type="text/calendar")
    with FaultServer(canned(VIA_PROXY), lifetime=10) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        body = _fetch(tmp_path, http.url_for("/kal.ics"))
    assert body == ICS and proxy.requests == []


def test_proxy_from_the_config_is_used(http: HTTPServer, tmp_path):
    with FaultServer(canned(VIA_PROXY), lifetime=10) as proxy:
        body = _fetch(tmp_path, "http://partner.example/kal.ics",
                      proxy=f"http://127.0.0.1:{proxy.port}")
    assert body == VIA_PROXY
    assert proxy.requests[0].startswith(b"GET http://partner.example/kal.ics ")


@pytest.mark.parametrize("value", ["socks5://127.0.0.1:1080", "127.0.0.1:3128"])
def test_proxy_in_config_must_be_http(write_config, value):
    from syncsvc.errors import ConfigError

    with pytest.raises(ConfigError, match="proxy"):
        write_config(service=f'proxy = "{value}"\n')
