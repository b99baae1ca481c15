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
