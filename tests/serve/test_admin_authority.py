"""/admin flags partners that still announce a date the city cancelled or moved.

End to end on a real SQLite file and real HTTP on 127.0.0.1: the stored events go through
the service's republish build (the real dedupe, which records the cases), and the admin
page read over HTTP names the partner, the date and what the city decided.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import requests

from syncsvc.config import Settings, SourceConfig
from syncsvc.models import Event
from syncsvc.serve import make_app
from syncsvc.serve.admin import make_admin
from syncsvc.service.republish import build
from syncsvc.service.status import read_status, stored_events
from syncsvc.store import Store

from conftest import running

SOURCES = (
    SourceConfig("stadt", "Stadt Idstein", "https://idstein.example/s.ics", "ics", 20),
    SourceConfig("caritas", "Caritas <Idstein> & Co", "https://c.example/c.ics", "ics", 6),
    SourceConfig("kirche", "Ev. Kirchengemeinde", "https://k.example/k.ics", "ics", 5),
)
CAFE = dict(summary="WIR Café", location="Killingerhaus", tzid="Europe/Berlin")


def city(cancel: bool) -> list[Event]:
    series = Event(source_id="stadt", uid="wir", start="2027-01-07T14:00:00Z",
                   end="2027-01-07T16:00:00Z", rrule="FREQ=WEEKLY;COUNT=6",
                   exdates=("2027-01-14T14:00:00Z",) if cancel else (), **CAFE)
    moved = Event(source_id="stadt", uid="wir", start="2027-01-22T14:00:00Z",
                  end="2027-01-22T16:00:00Z", recurrence_id="2027-01-21T14:00:00Z", **CAFE)
    return [series, moved] if cancel else [series]


def partners() -> dict[str, list[Event]]:
    return {"caritas": [Event(source_id="caritas", uid="x", start="2027-01-14T14:00:00Z",
                              **CAFE)],
            "kirche": [Event(source_id="kirche", uid="y", start="2027-01-21T14:00:00Z",
                             summary="WIR-Café", tzid="Europe/Berlin")]}


def settings_for(tmp_path: Path) -> Settings:
    return Settings(config_path=tmp_path / "syncsvc.toml", database=tmp_path / "s.db",
                    output_dir=tmp_path / "public", sources=SOURCES)


def republish(settings: Settings, cancel: bool) -> None:
    with Store(settings.database) as store:
        store.sync_sources(settings.sources)
        store.replace_events("stadt", city(cancel))
        for sid, events in partners().items():
            store.replace_events(sid, events)
        build(settings, store, datetime(2027, 1, 1, tzinfo=UTC))


def admin_page(settings: Settings) -> str:
    admin = make_admin(lambda: settings, lambda: read_status(settings),
                       lambda known: stored_events(settings, known))
    app = make_app(settings, status=lambda: read_status(settings), admin=admin)
    with running(app) as base:
        assert base.startswith("http://127.0.0.1:")
        r = requests.get(f"{base}/admin", timeout=10)  # no token: loopback only
        assert r.status_code == 200
        status = requests.get(f"{base}/status", timeout=10).json()
    notes = status["authority_notes"]  # /status carries the same lines as plain text
    assert all("&amp;" not in n for n in notes) and len(notes) == r.text.count("<li>")
    return r.text


def test_admin_flags_partners_announcing_a_cancelled_or_moved_city_date(tmp_path: Path):
    settings = settings_for(tmp_path)
    settings.output_dir.mkdir()
    republish(settings, cancel=False)  # the city has cancelled nothing: no flag
    assert "abgesagt-verlegt" not in admin_page(settings)

    republish(settings, cancel=True)  # now the city cancels the 14th and moves the 21st
    body = admin_page(settings)
    section = body[body.index('<section id="abgesagt-verlegt">'):]
    section = section[:section.index("</section>")]
    assert "Abgesagte oder verlegte Termine, die Partner noch ankündigen" in section
    assert ("Partner Caritas &lt;Idstein&gt; &amp; Co kündigt einen Termin an, den Stadt "
            "Idstein abgesagt hat: „WIR Café“ am 14.01.2027.") in section
    assert ("Partner Ev. Kirchengemeinde kündigt einen Termin an, den Stadt Idstein verlegt "
            "hat: „WIR Café“ am 21.01.2027 (neuer Termin: 22.01.2027).") in section
    assert "<Idstein>" not in body  # names are escaped
    assert section.count("<li>") == 2
