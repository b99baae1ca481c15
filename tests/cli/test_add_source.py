"""`syncsvc add-source`: what an admin sees for a feed, and the id it proposes or refuses."""

from __future__ import annotations

import tomllib

import pytest

from syncsvc import cli

from conftest import DATA

SOURCES = """
[[sources]]
id = "verein"
name = "Verein für Begegnung"
url = "../feeds/verein.ics"
kind = "ics"
"""
FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Tafel Idstein &amp; Umgebung</title>
  <link>https://tafel.example/</link>
  <description>Aktuelles</description>
  <item>
    <title>Ausgabe am Samstag &amp; Sonntag</title>
    <guid>https://tafel.example/1</guid>
    <description>&lt;p&gt;&lt;strong&gt;Neu:&lt;/strong&gt; zwei Ausgabetage&lt;/p&gt;</description>
  </item>
  <item>
    <title>Helfer*innen gesucht</title>
    <guid>https://tafel.example/2</guid>
    <description><![CDATA[<div><img src="x.jpg"> Wer packt mit an?</div>]]></description>
  </item>
</channel></rss>
"""


@pytest.fixture
def conf(write_config):
    return ["--config", str(write_config(SOURCES).config_path)]


def block(out: str) -> dict:
    return tomllib.loads(out.split("einfügen:\n\n", 1)[1])["sources"][0]


def test_feed_shows_item_titles_as_plain_text(conf, http, capsys):
    http.expect_request("/aktuelles.rss").respond_with_data(
        FEED, content_type="application/rss+xml")
    assert cli.main([*conf, "add-source", http.url_for("/aktuelles.rss")]) == 0
    out = capsys.readouterr().out
    assert "erkannt als: RSS/Atom" in out and "2 Nachrichten" in out
    assert "    · Ausgabe am Samstag & Sonntag\n    · Helfer*innen gesucht\n" in out
    assert "<" not in out.split("einfügen:")[0] and "Wer packt" not in out
    assert block(out)["name"] == "Tafel Idstein & Umgebung"


@pytest.mark.parametrize(("path", "expected"), [
    ("/x.ics", "x"),                     # the file name, not the address
    ("/kalender/Termine_2027.ics", "termine-2027"),
    ("/", "quelle"),
    ("/2027.ics", "quelle"),             # a bare number says nothing
    ("/verein.ics", "verein-2"),         # taken in the config
])
def test_an_ip_address_url_gets_an_id_from_its_path(conf, http, capsys, path, expected):
    http.expect_request(path).respond_with_data(
        (DATA / "pipeline" / "partner_two_events.ics").read_bytes(),
        content_type="text/calendar")
    url = http.url_for(path)
    assert url.startswith("http://127.0.0.1:")
    assert cli.main([*conf, "add-source", url]) == 0
    assert block(capsys.readouterr().out)["id"] == expected


@pytest.mark.parametrize(("given", "why", "proposal"), [
    ("Tafel_Idstein", "ist nicht erlaubt", "tafel-idstein"),
    ("-tafel", "ist nicht erlaubt", "tafel"),
    ("tafel idstein", "ist nicht erlaubt", "tafel-idstein"),
    ("!!!", "ist nicht erlaubt", "aktuelles"),
    ("verein", "hat schon eine Quelle", "verein-2"),
])
def test_an_invalid_or_taken_id_is_refused_before_fetching(conf, http, capsys, given, why,
                                                           proposal):
    http.expect_request("/aktuelles.rss").respond_with_data(FEED)
    code = cli.main([*conf, "add-source", http.url_for("/aktuelles.rss"), f"--id={given}"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == "" and "Traceback" not in captured.err
    assert f"Die Kennung „{given}“ {why}" in captured.err
    assert captured.err.rstrip().endswith(f"Vorschlag: --id {proposal}")
    assert http.log == []  # refused before anything was fetched


def test_a_valid_free_id_is_used(conf, http, capsys):
    http.expect_request("/aktuelles.rss").respond_with_data(FEED)
    assert cli.main([*conf, "add-source", http.url_for("/aktuelles.rss"), "--id", "tafel"]) == 0
    assert block(capsys.readouterr().out)["id"] == "tafel"
