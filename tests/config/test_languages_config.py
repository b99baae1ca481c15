"""[service] languages/translations, a source's language and the schedule's translations:
what the admin writes is checked with located German messages before anything runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from syncsvc import config as cfg
from syncsvc.errors import ConfigError
from syncsvc.parse.schedule import parse_schedule
from syncsvc.publish.memory import load_memory
from syncsvc.service.check import check

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, service: str, source: str = "") -> Path:
    (tmp_path / "feeds").mkdir(exist_ok=True)
    (tmp_path / "config").mkdir(exist_ok=True)
    path = tmp_path / "config" / "syncsvc.toml"
    path.write_text(f"[service]\n{service}\n\n[[sources]]\nid = \"ua\"\n"
                    f"url = \"https://ua.example/cal.ics\"\nkind = \"ics\"\n{source}\n",
                    encoding="utf-8")
    return path


def test_the_bundled_config_publishes_seven_languages_german_first():
    s = cfg.load(ROOT / "config" / "syncsvc.toml")
    assert s.languages == ("de", "en", "ar", "fa", "uk", "tr", "ti")
    assert Path(s.translations).is_file()
    memory, problems = load_memory(s.translations)
    assert not problems and memory["sprachcafe"]["ar"] == "مقهى اللغة"
    assert not check(ROOT / "config" / "syncsvc.toml").errors


@pytest.mark.parametrize(("value", "needle"), [
    ('["en", "de"]', "muss mit \"de\" beginnen"), ('["de", "xx-yy"]', "'xx-yy' ist kein"),
    ('["de", "ar", "ar"]', "'ar' steht doppelt"), ('"de"', "'languages'")])
def test_bad_languages_are_named(tmp_path, value, needle):
    with pytest.raises(ConfigError) as err:
        cfg.load(write(tmp_path, f"languages = {value}"))
    assert needle in str(err.value)


def test_a_source_declares_its_language(tmp_path):
    s = cfg.load(write(tmp_path, 'languages = ["de", "uk"]', 'language = "uk"'))
    assert s.source("ua").language == "uk"
    with pytest.raises(ConfigError) as err:
        cfg.load(write(tmp_path, "", 'language = "Ukrainisch"'))
    assert "Quelle 'ua': 'language'" in str(err.value)


def test_a_missing_or_bad_translation_memory_is_reported(tmp_path):
    with pytest.raises(ConfigError) as err:
        cfg.load(write(tmp_path, 'translations = "fehlt.toml"'))
    assert "'translations'" in str(err.value) and "fehlt.toml" in str(err.value)
    (tmp_path / "config" / "tm.toml").write_text(
        '["Kleiderausgabe"]\nen = "Clothes"\nklingonisch = "x"\n\n["KLEIDERAUSGABE"]\n'
        'ar = "توزيع الملابس"\n', encoding="utf-8")
    report = check(write(tmp_path, 'translations = "tm.toml"'))
    text = "\n".join(report.lines())
    assert "'klingonisch' ist kein Sprachkürzel" in text
    assert "schon weiter oben" in text  # the same title after normalizing
    memory, _ = load_memory(str(tmp_path / "config" / "tm.toml"))
    assert memory == {"kleiderausgabe": {"en": "Clothes", "ar": "توزيع الملابس"}}


CITY = """
[[series]]
id = "cafe"
title = "WIR Café"
first = 2027-01-07
start = "18:00"
end = "20:00"
rrule = "FREQ=WEEKLY;COUNT=3"

  [[series.cancel]]
  date = 2027-01-14
  reason = "Fortbildung"

  [series.translations.ar]
  title = "مقهى WIR"
  description = "للجميع"
  reviewed = false

  [series.translations.uk]
  title = "Кафе WIR"

[[event]]
id = "fest"
title = "Fest"
date = 2027-02-01

  [event.translations.xx-yy]
  title = "?"
"""


def test_schedule_translations_are_read_per_entry_and_bad_ones_skip_the_entry():
    parsed = parse_schedule(CITY.encode(), "stadt", "Europe/Berlin", [], {},
                            today=date(2027, 1, 1))
    master = next(e for e in parsed.events if e.recurrence_id is None)
    assert master.translations == (("ar", "مقهى WIR", "للجميع"), ("uk", "Кафе WIR", ""))
    cancelled = next(e for e in parsed.events if e.recurrence_id is not None)
    # the German description says why it is cancelled; the translations would not
    assert cancelled.translations == (("ar", "مقهى WIR", ""), ("uk", "Кафе WIR", ""))
    assert [e.uid for e in parsed.events].count("fest@stadt") == 0
    assert any("translations.xx-yy" in s for s in parsed.skipped)
