"""``syncsvc check`` finds what a sync would refuse, in every file, without fetching.

Each case below is one mistake an admin made in the field (issue 14); its whole German
output is a golden file ``tests/data/config/<case>.txt`` (tmp path shown as ``<tmp>``).
Regenerate after a deliberate wording change with ``SYNCSVC_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from syncsvc import cli
from syncsvc.service import check as check_mod

from conftest import DATA, REPO

GOLDEN = DATA / "config"
BASE = """\
[service]
name = "WIR in Idstein"
interval = "30m"
school_holidays = "schulferien-hessen.ics"

[[sources]]
id = "stadt"
name = "Stadt Idstein"
url = "../feeds/stadt-idstein.toml"
kind = "schedule"

[[sources]]
id = "partner"
name = "Flüchtlingshilfe Idstein e.V."
url = "../feeds/partner.ics"
kind = "ics"

[[sources]]
id = "tafel"
url = "https://example.org/tafel.rss"
kind = "feed"
"""
CAFE = 'rrule = "FREQ=MONTHLY;BYDAY=1TH"\n'


def _config(old: str, new: str):
    return "config", lambda text: text.replace(old, new, 1)


def _schedule(old: str, new: str):
    return "schedule", lambda text: text.replace(old, new, 1)


def _append(extra: str):
    return "schedule", lambda text: text + extra


CASES = {
    "toml_syntax": _config('name = "WIR in Idstein"', "name = WIR in Idstein"),
    "bom": ("config-bytes", lambda b: b"\xef\xbb\xbf" + b),
    "latin1": ("config-bytes", lambda b: b.decode("utf-8").encode("latin-1")),
    "german_quotes": _config('name = "WIR in Idstein"', "name = „WIR in Idstein“"),
    "unknown_key": _config('interval = "30m"', 'intervall = "30m"'),
    "wrong_type": _config('interval = "30m"', 'interval = "30m"\nport = "8080"'),
    "kind_typo": _config('kind = "ics"', 'kind = "isc"'),
    # finding (issue 15): a 300-character id passed check and broke publish
    "source_id_too_long": _config('id = "partner"', f'id = "{"partner-" * 40}x"'),
    "zero_sources": ("config", lambda text: text.split("[[sources]]")[0]),
    "empty_file": ("config", lambda text: ""),
    "missing_holiday_file": _config('"schulferien-hessen.ics"', '"schulferien-hesen.ics"'),
    "missing_local_feed": _config("../feeds/partner.ics", "../feeds/partnr.ics"),
    "http_without_colon": _config("https://example.org/tafel.rss", "http//example.org/tafel.rss"),
    "url_with_space": _config("https://example.org/tafel.rss",
                              "https://example.org/tafel neu.rss"),
    "interval_1s": _config('interval = "30m"', 'interval = "1s"'),
    "credentials_in_url": _config("https://example.org/tafel.rss",
                                  "https://tafel:geheim@example.org/tafel.rss"),
    "schedule_bad_date": _append('\n[[event]]\nid = "fest"\ntitle = "Fest"\n'
                                 'date = 2027-02-30\n'),
    "schedule_unknown_key": _append('\n[[event]]\nid = "fest"\ntitle = "Fest"\n'
                                    'date = 2027-06-05\nloaction = "Killingerhaus"\n'),
    "schedule_wrong_type": _append('\n[[event]]\nid = "fest"\ntitle = 2027\n'
                                   'date = 2027-06-05\n'),
    "schedule_cancel_not_series_day": _schedule("date = 2027-03-04", "date = 2027-03-05"),
    "schedule_german_quotes": _schedule('title = "WIR Café"', "title = „WIR Café“"),
}
WARNINGS_ONLY = {"interval_1s", "credentials_in_url"}


@pytest.fixture
def layout(tmp_path, monkeypatch):
    (tmp_path / "config").mkdir()
    (tmp_path / "feeds").mkdir()
    shutil.copy(REPO / "config" / "schulferien-hessen.ics", tmp_path / "config")
    shutil.copy(REPO / "feeds" / "stadt-idstein.toml", tmp_path / "feeds")
    shutil.copy(REPO / "feeds" / "partner" / "fluechtlingshilfe.ics",
                tmp_path / "feeds" / "partner.ics")
    (tmp_path / "config" / "syncsvc.toml").write_text(BASE, encoding="utf-8")
    monkeypatch.setattr(check_mod, "_today", lambda: date(2026, 1, 15))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _apply(tmp_path, case: str) -> None:
    target, change = CASES[case]
    if target == "config-bytes":
        path = tmp_path / "config" / "syncsvc.toml"
        path.write_bytes(change(path.read_bytes()))
        return
    path = tmp_path / ("config/syncsvc.toml" if target == "config" else
                       "feeds/stadt-idstein.toml")
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before or case == "empty_file", f"case {case} changed nothing"
    path.write_text(after, encoding="utf-8")


def _run(tmp_path, capsys) -> tuple[int, str]:
    code = cli.main(["check", "--config", str(tmp_path / "config" / "syncsvc.toml")])
    out = capsys.readouterr()
    return code, (out.out + out.err).replace(str(tmp_path), "<tmp>")


def test_the_base_layout_passes_without_warnings(layout, capsys):
    code, out = _run(layout, capsys)
    assert code == 0 and "Warnung" not in out, out


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_admin_mistake_is_one_located_german_message(layout, capsys, case):
    _apply(layout, case)
    code, out = _run(layout, capsys)
    assert code == (0 if case in WARNINGS_ONLY else 2), out
    assert "Traceback" not in out and "Invalid" not in out and "line " not in out
    assert "geheim" not in out
    golden = GOLDEN / f"{case}.txt"
    if os.environ.get("SYNCSVC_UPDATE_GOLDEN") == "1":
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
