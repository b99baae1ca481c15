"""The gettext catalogs cover every interface string, for every configured language.

The msgids are extracted from the code the way a volunteer's update would extract them
(Babel, ``babel.cfg``); a string the pages, the start page, the calendars or the widget
use and a .po file lacks (or has only as fuzzy, or with other placeholders) fails here,
and at run time it is shown in German and logged.
"""

from __future__ import annotations

import logging
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from syncsvc import config as cfg
from syncsvc.i18n import LOCALE_DIR, load, po_path

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = cfg.load(ROOT / "config" / "syncsvc.toml").languages
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def used_msgids() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, msg, _comments, _ctx in extract_from_dir(
            ROOT / "syncsvc", [("**.py", "python")], keywords=KEYWORDS):
        found.add(msg if isinstance(msg, str) else tuple(msg))
    return found


def catalog(lang: str):
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def fields(text: str) -> list[str]:
    return sorted({f for _, f, _, _ in string.Formatter().parse(text) if f})


def test_the_code_uses_interface_strings():
    used = used_msgids()
    assert {"Abgesagt", "In meinen Kalender", "Keine anstehenden Termine.",
            ("{n} Termin", "{n} Termine")} <= used
    assert len(used) > 60


def test_the_template_lists_what_the_code_uses():
    with (LOCALE_DIR / "syncsvc.pot").open("rb") as fh:
        pot = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    assert pot == used_msgids(), "run: pybabel extract -F babel.cfg … (docs/admin.de.md)"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "de"])
def test_catalog_translates_every_string_with_its_placeholders(lang):
    cat = catalog(lang)
    missing, broken = [], []
    for msgid in sorted(used_msgids(), key=repr):
        msg = cat.get(msgid[0] if isinstance(msgid, tuple) else msgid)
        strings = () if msg is None else (
            msg.string if isinstance(msg.string, tuple) else (msg.string,))
        if msg is None or msg.fuzzy or not strings or not all(strings):
            missing.append(msgid)
            continue
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        if any(not set(fields(s)) <= set(fields(ids[-1])) for s in strings) or (
                len(strings) == 1 and fields(strings[0]) != fields(ids[0])):
            broken.append(msgid)
    assert not missing, f"{lang}.po lacks {missing}"
    assert not broken, f"{lang}.po has other placeholders in {broken}"


def test_a_missing_string_is_shown_in_german_and_logged(tmp_path, caplog):
    cat = catalog("ar")
    del cat["In meinen Kalender"]
    out = po_path("ar", tmp_path)
    out.parent.mkdir(parents=True)
    with out.open("wb") as fh:
        write_po(fh, cat)
    tr = load("ar", tmp_path)
    with caplog.at_level(logging.WARNING, logger="syncsvc.i18n"):
        assert tr.gettext("In meinen Kalender") == "In meinen Kalender"
        assert tr.gettext("In meinen Kalender") == "In meinen Kalender"
        assert tr.gettext("Abgesagt") == "أُلغي"
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "In meinen Kalender" in warned[0]  # logged once


def test_no_interface_string_hides_inside_an_f_string():
    """Babel (on Python 3.11) does not look into f-strings: a call there never reaches
    the catalogs, so every language would show it in German without any test noticing."""
    call = re.compile(r"""f["'][^"'\n]*\{[^}]*\b(?:_|gettext|ngettext)\(""")
    hits = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "syncsvc").rglob("*.py"))
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
            if call.search(line)]
    assert not hits
