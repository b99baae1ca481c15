"""`syncsvc explain --news`: why two partners' news items became one published item."""

from __future__ import annotations

from datetime import UTC, datetime

from syncsvc.cli.explain import explain
from syncsvc.service.sync import Pipeline
from syncsvc.store import Store

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>
<link>https://{sid}.example/</link><description>x</description><item>
<title>Neue Integrationslotsen ausgebildet</title><guid>{sid}-1</guid>
<link>https://idstein.de/pm/lotsen?utm_source={sid}</link>
<pubDate>Thu, 08 Oct 2026 09:00:00 +0000</pubDate><description>Text</description>
</item></channel></rss>"""


def test_explain_news_names_both_inputs_and_the_shared_link(write_config, tmp_path):
    for sid in ("stadt", "ibb"):
        (tmp_path / "feeds" / f"{sid}.rss").write_text(RSS.format(sid=sid, name=sid),
                                                       encoding="utf-8")
    settings = write_config("".join(
        f'[[sources]]\nid = "{sid}"\nname = "{name}"\nurl = "../feeds/{sid}.rss"\n'
        f'kind = "feed"\npriority = {prio}\n'
        for sid, name, prio in (("stadt", "Stadt Idstein", 10), ("ibb", "IBB", 5))))
    store = Store(settings.database)
    try:
        Pipeline(settings, store, clock=lambda: datetime(2026, 10, 9, tzinfo=UTC)).sync_all()
    finally:
        store.close()
    out = explain(settings, "Integrationslotsen", news=True)
    assert "Veröffentlicht von: Stadt Idstein (stadt), IBB (ibb)" in out
    assert "→ zusammengeführt (gleicher Link (ohne Tracking-Parameter)" in out
    assert "Keine veröffentlichte Nachricht" in explain(settings, "gibt es nicht", news=True)


SAME_TITLE = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>{sid}</title><link>https://{sid}.example/</link><description>x</description><item>
<title>Neue Sprechstunde der Flüchtlingshilfe</title><guid>{sid}-1</guid>
<link>https://{sid}.example/sprechstunde</link><pubDate>{when}</pubDate></item>
</channel></rss>"""


def test_news_days_are_days_of_the_configured_zone(write_config, tmp_path):
    # 11:30 and 12:30 in Berlin; 23:30 on 1 March and 00:30 on 2 March in Auckland
    for sid, when in (("stadt", "Sun, 01 Mar 2026 10:30:00 +0000"),
                      ("ibb", "Sun, 01 Mar 2026 11:30:00 +0000")):
        (tmp_path / "feeds" / f"{sid}.rss").write_text(SAME_TITLE.format(sid=sid, when=when),
                                                       encoding="utf-8")
    sources = "".join(f'[[sources]]\nid = "{sid}"\nname = "{sid}"\nurl = "../feeds/{sid}.rss"\n'
                      f'kind = "feed"\npriority = {prio}\n'
                      for sid, prio in (("stadt", 10), ("ibb", 5)))
    outs = {}
    for zone in ("Europe/Berlin", "Pacific/Auckland"):
        settings = write_config(sources, service=f'timezone = "{zone}"')
        store = Store(settings.database)
        try:
            Pipeline(settings, store, clock=lambda: datetime(2026, 3, 2, tzinfo=UTC)).sync_all()
        finally:
            store.close()
        outs[zone] = explain(settings, "Sprechstunde", news=True)
    assert "gleicher Tag 2026-03-01" in outs["Europe/Berlin"]
    assert "nächster Tag" in outs["Pacific/Auckland"]
    assert "gleicher Tag" not in outs["Pacific/Auckland"]
