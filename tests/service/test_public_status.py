"""The public /status masks host names, IP addresses and server paths (service.public).

Finding: /status, unauthenticated, showed internal host names and addresses from fetch
errors and the server's file paths from warnings and refused reloads. /admin keeps the
full text. Served through the service's real WSGI app on 127.0.0.1.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import requests
from waitress.server import create_server

from syncsvc.config import Settings, SourceConfig
from syncsvc.service import Service
from syncsvc.service.public import HIDDEN, public_status
from syncsvc.store import Store


def _settings(tmp_path: Path) -> Settings:
    base = Settings(config_path=tmp_path / "config" / "syncsvc.toml",
                    output_dir=tmp_path / "public", database=tmp_path / "var" / "db.sqlite",
                    feeds_dir=tmp_path / "feeds")
    return replace(base, school_holidays=str(tmp_path / "config" / "ferien.ics"), sources=(
        SourceConfig(id="intern", name="Partner im Netz", kind="ics",
                     url="https://kalender.intern.example/termine.ics"),
        SourceConfig(id="stadt", name="Stadt", kind="schedule",
                     url=str(tmp_path / "feeds" / "stadt.toml")),
    ))


def _doc(settings: Settings) -> dict:
    return {"service": settings.name, "sources": [
        {"id": "intern", "name": "Partner im Netz", "health": "failing", "count": 4,
         "last_error": "Adresse kalender.intern.example zeigt ins interne Netz (10.0.0.5) – "
                       "aus Sicherheitsgründen gesperrt."},
        {"id": "stadt", "name": "Stadt", "health": "ok", "count": 12,
         "last_error": f"Datei nicht lesbar: {settings.sources[1].url} (fd00::1)"}],
        "warnings": [f"Ferientermine nicht lesbar ({settings.school_holidays}): kaputt"],
        "config_error": f"{settings.config_path}, Zeile 3: 'interval' 1h ist kein Text"}


def test_hosts_addresses_and_paths_are_masked(tmp_path: Path):
    settings = _settings(tmp_path)
    shown = str(public_status(_doc(settings), settings))
    for secret in ("kalender.intern.example", "10.0.0.5", "fd00::1", str(tmp_path)):
        assert secret not in shown, secret
    assert shown.count(HIDDEN) >= 5
    assert "aus Sicherheitsgründen gesperrt" in shown and "Zeile 3" in shown
    assert "'count': 12" in shown and "failing" in shown  # health stays public


def test_served_status_is_masked_and_admin_sees_all(tmp_path: Path):
    settings = _settings(tmp_path)
    Store(settings.database).close()
    doc = _doc(settings)
    service = Service.open(settings, lock=False)
    app = service.app(status=lambda: doc, metrics=None, healthy=None, admin=None)
    server = create_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        body = requests.get(f"http://127.0.0.1:{server.effective_port}/status", timeout=5).text
    finally:
        server.close()
        service.close()
    assert "kalender.intern.example" not in body and "10.0.0.5" not in body
    assert HIDDEN in body
    assert "10.0.0.5" in doc["sources"][0]["last_error"]  # the admin's copy is untouched
