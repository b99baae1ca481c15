"""`syncsvc add-source`: what an admin sees for a feed, and the id it proposes or refuses."""

from __future__ import annotations

import tomllib

import pytest

from syncsvc import cli

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

