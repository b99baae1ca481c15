"""The config contract: admins and generators depend on it."""

from __future__ import annotations

import pytest

from syncsvc import cli
from syncsvc import config as cfg
from syncsvc.errors import ConfigError

GOOD = """
[[sources]]
id = "ibb"
name = "Idstein bleibt bunt e.V."
url = "https://example.org/events.ics"
kind = "ics"
priority = 10
interval = "15m"
categories = ["Begegnung"]
"""


def test_good_config_resolves_paths_and_defaults(write_config, tmp_path):
    s = write_config(GOOD)
    assert s.output_dir == (tmp_path / "public").resolve()
    assert s.database == (tmp_path / "var" / "syncsvc.db").resolve()
    src = s.source("ibb")
    assert (src.interval_s, src.priority, src.categories, src.enabled) == (
        900, 10, ("Begegnung",), True)
    assert s.interval_s == 1800 and s.timezone == "Europe/Berlin"


def test_local_file_inside_feeds_is_allowed(write_config, tmp_path):
    (tmp_path / "feeds" / "a.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    s = write_config('[[sources]]\nid = "a"\nurl = "../feeds/a.ics"\nkind = "ics"\n')
    assert s.source("a").url == str((tmp_path / "feeds" / "a.ics").resolve())
    assert s.source("a").is_local


@pytest.mark.parametrize("snippet, expected", [
    ('[[sources]]\nid = "a"\nurl = "https://x.example/a"\nkind = "ics"\ncolour = 1\n',
     "Quelle 'a': unbekannter Schlüssel 'colour'"),
    ('[[sources]]\nid = "a"\nurl = "https://x.example/a"\nkind = "ics"\ninterval = "5 min"\n',
     "Quelle 'a': 'interval'"),
    ('[[sources]]\nid = "a"\nurl = "ftp://x.example/a"\nkind = "ics"\n',
     "Quelle 'a': 'url'"),
    ('[[sources]]\nid = "a"\nurl = "../../etc/passwd"\nkind = "ics"\n',
     "liegt nicht im Ordner"),
    ('[[sources]]\nid = "a"\nurl = "https://x.example/a"\nkind = "pdf"\n',
     "Quelle 'a': 'kind'"),
    ('[[sources]]\nid = "A b"\nurl = "https://x.example/a"\nkind = "ics"\n',
     "'id' darf nur"),
    ('[[sources]]\nid = "a"\nkind = "ics"\n', "Pflichtschlüssel 'url' fehlt"),
])
def test_each_problem_names_source_and_key(write_config, snippet, expected):
    with pytest.raises(ConfigError) as err:
        write_config(snippet)
    assert expected in str(err.value)
    assert "syncsvc.toml" in str(err.value)


def test_all_problems_reported_together(write_config):
    bad = """
    [[sources]]
    id = "a"
    url = "https://x.example/a"
    kind = "ics"
    interval = "never"

    [[sources]]
    id = "a"
    url = "gopher://x"
    kind = "feed"
    """
    with pytest.raises(ConfigError) as err:
        write_config(bad, service='colour = "blue"\n')
    problems = err.value.problems
    assert any("'colour'" in p for p in problems)
    assert any("'interval'" in p for p in problems)
    assert any("'url'" in p for p in problems)
    assert len(problems) >= 3


def test_duplicate_ids(write_config):
    with pytest.raises(ConfigError, match="doppelt"):
        write_config(GOOD + GOOD)


@pytest.mark.parametrize("text", ["30s", "30m", "2h"])
def test_interval_units(text):
    assert cfg.parse_interval(text) == {"s": 30, "m": 1800, "h": 7200}[text[-1]]


def test_cli_exits_2_and_writes_nothing(write_config, tmp_path, capsys):
    write_config(GOOD)
    path = tmp_path / "config" / "syncsvc.toml"
    path.write_text(path.read_text() + '\n[[sources]]\nid = "b"\nurl = "x:y"\nkind = "ics"\n')
    for argv in (["check", "--config", str(path)], ["--config", str(path), "sync"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "Quelle 'b'" in err and "'url'" in err and str(path) in err
        assert "Traceback" not in err
    assert not (tmp_path / "public").exists()
    assert not (tmp_path / "var").exists()


def test_config_from_environment(write_config, tmp_path, monkeypatch, capsys):
    write_config(GOOD)
    monkeypatch.setenv("SYNCSVC_CONFIG", str(tmp_path / "config" / "syncsvc.toml"))
    assert cli.main(["check"]) == 0
    assert "1 Quellen" in capsys.readouterr().out


def test_shipped_default_config_is_valid():
    from conftest import REPO

    s = cfg.load(REPO / "config" / "syncsvc.toml")
    assert {src.kind for src in s.sources} == {"ics", "feed", "schedule"}
    assert all(src.is_local for src in s.sources), "the default config must work offline"


def test_trusted_proxies_take_addresses_networks_and_names(write_config):
    s = write_config(GOOD, service='trusted_proxies = ["127.0.0.1", "172.16.0.0/12", '
                                   '"::1", "proxy"]\n')
    assert s.trusted_proxies == ("127.0.0.1", "172.16.0.0/12", "::1", "proxy")
    assert write_config(GOOD).trusted_proxies == ()  # default: X-Forwarded-For ignored
    with pytest.raises(ConfigError) as err:
        write_config(GOOD, service='trusted_proxies = ["10.0.0.0/33", "kein name"]\n')
    text = str(err.value)
    assert "'10.0.0.0/33' ist weder eine IP-Adresse" in text and "'kein name'" in text
