"""The admin's commands, run through syncsvc.cli.main against real files and servers."""

from __future__ import annotations

import shutil

import pytest

from syncsvc import cli

from conftest import DATA, REPO

P = DATA / "pipeline"


@pytest.fixture
def configured(write_config, tmp_path):
    shutil.copy(P / "partner_ten_upcoming.ics", tmp_path / "feeds" / "verein.ics")
    shutil.copy(P / "news_two_items.rss", tmp_path / "feeds" / "news.rss")
    write_config("""
    [[sources]]
    id = "verein"
    name = "Verein für Begegnung"
    url = "../feeds/verein.ics"
    kind = "ics"

    [[sources]]
    id = "news"
    name = "Neuigkeiten"
    url = "../feeds/news.rss"
    kind = "feed"
    """)
    return tmp_path, ["--config", str(tmp_path / "config" / "syncsvc.toml")]


def test_sync_then_status_and_sources(configured, capsys):
    tmp_path, conf = configured
    assert cli.main([*conf, "sync"]) == 0
    out = capsys.readouterr().out
    assert "2 von 2 Quellen aktuell, 10 Termine und 2 Nachrichten" in out
    assert cli.main(["status", *conf]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("verein: in Ordnung, Versuch ") and "10 Einträge" in lines[0]
    assert cli.main([*conf, "sources"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["ID", "ART", "ZUSTAND"]
    assert table[1].split()[:4] == ["verein", "ics", "in", "Ordnung"]


def test_sync_reports_a_failing_source_by_name(configured, capsys):
    tmp_path, conf = configured
    (tmp_path / "feeds" / "news.rss").write_text("<html><body>Wartung</body></html>")
    assert cli.main([*conf, "sync"]) == 0  # one good source: the pass as a whole worked
    out = capsys.readouterr().out
    assert "1 von 2 Quellen aktuell" in out and "Quelle 'news':" in out
    assert cli.main([*conf, "sync", "--source", "nope"]) == 1
    assert "Unbekannte Quelle(n): nope" in capsys.readouterr().err


def test_explain_names_the_inputs(configured, capsys):
    _, conf = configured
    cli.main([*conf, "sync"])
    capsys.readouterr()
    assert cli.main([*conf, "explain", "Deutschkurs Teil 3"]) == 0
    out = capsys.readouterr().out
    assert "Deutschkurs Teil 3 – 13.03.2027 18:00" in out
    assert "verein:kurs-3@verein" in out
    assert cli.main([*conf, "explain", "gibt es nicht"]) == 0
    assert "Kein veröffentlichter Termin" in capsys.readouterr().out


def test_add_source_probes_a_local_server_and_prints_toml(configured, httpserver, capsys):
    import tomllib

    _, conf = configured
    httpserver.expect_request("/termine.ics").respond_with_data(
        (P / "partner_two_events.ics").read_bytes(), content_type="text/calendar")
    assert cli.main([*conf, "add-source", httpserver.url_for("/termine.ics")]) == 0
    out = capsys.readouterr().out
    assert "erkannt als: iCalendar" in out and "2 Termine" in out
    assert "Grillfest „Über den Tellerrand“" in out
    block = out.split("einfügen:\n\n", 1)[1]
    parsed = tomllib.loads(block)["sources"][0]
    assert parsed["kind"] == "ics" and parsed["url"] == httpserver.url_for("/termine.ics")
    assert parsed["id"] not in {"verein", "news"}


def test_add_source_explains_an_unreachable_url(configured, capsys):
    from conftest import free_port

    _, conf = configured
    assert cli.main([*conf, "add-source", f"http://127.0.0.1:{free_port()}/x.ics"]) == 1
    err = capsys.readouterr().err
    assert "Fehler: http://127.0.0.1:" in err and "Verbindung abgelehnt" in err
    assert "Traceback" not in err


def test_accept_applies_a_held_set(configured, capsys):
    tmp_path, conf = configured
    cli.main([*conf, "sync"])
    shutil.copy(P / "partner_one_event_left.ics", tmp_path / "feeds" / "verein.ics")
    cli.main([*conf, "sync"])
    assert "zurückgehalten" in (cli.main([*conf, "sources"]), capsys.readouterr().out)[1]
    assert cli.main([*conf, "accept", "verein"]) == 0
    assert "übernommen" in capsys.readouterr().out
    cal = (tmp_path / "public" / "calendar.ics").read_text(encoding="utf-8")
    assert cal.count("BEGIN:VEVENT") == 1
    assert cli.main([*conf, "accept", "verein"]) == 1  # nothing held any more


def test_check_warns_when_school_holiday_data_runs_out(write_config, tmp_path, capsys):
    holidays = tmp_path / "config" / "ferien.ics"
    holidays.parent.mkdir(exist_ok=True)
    holidays.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//DE\r\n"
        "BEGIN:VEVENT\r\nUID:h1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Ferien\r\n"
        "DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260110\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n")
    shutil.copy(REPO / "feeds" / "stadt-idstein.toml", tmp_path / "feeds" / "stadt.toml")
    write_config('[[sources]]\nid = "stadt"\nurl = "../feeds/stadt.toml"\nkind = "schedule"\n',
                 service='')
    path = tmp_path / "config" / "syncsvc.toml"
    path.write_text(path.read_text().replace(
        str(REPO / "config" / "schulferien-hessen.ics"), str(holidays)))
    assert cli.main(["check", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Warnung: " in out
    assert "Ferientermine nur bis 09.01.2026" in out


def test_sync_without_changes_publishes_nothing_until_config_or_day_changes(
        configured, capsys, monkeypatch):
    from datetime import datetime as real_datetime
    from datetime import timedelta

    tmp_path, conf = configured
    cli.main([*conf, "sync"])
    cal = tmp_path / "public" / "calendar.ics"
    stamp = cal.stat().st_mtime_ns
    capsys.readouterr()
    assert cli.main([*conf, "sync"]) == 0
    assert "nichts geändert" in capsys.readouterr().out
    assert cal.stat().st_mtime_ns == stamp

    path = tmp_path / "config" / "syncsvc.toml"  # a new category: refetch, republish
    path.write_text(path.read_text().replace('kind = "ics"', 'kind = "ics"\ncategories = ["Kurs"]'))
    assert cli.main([*conf, "sync"]) == 0
    assert "veröffentlicht" in capsys.readouterr().out
    assert "CATEGORIES:Kurs" in cal.read_text(encoding="utf-8")
    assert (tmp_path / "public" / "calendar" / "kurs.ics").exists()

    class Tomorrow(real_datetime):  # the local day turned: the views' horizon moved
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + timedelta(days=1)

    import syncsvc.service as service_mod  # the CLI's sync runs through Service

    monkeypatch.setattr(service_mod, "datetime", Tomorrow)
    assert cli.main([*conf, "sync"]) == 0
    assert "veröffentlicht" in capsys.readouterr().out
