"""The ``smtp_*`` keys of [submissions]: read, checked, located, and never a password."""

from __future__ import annotations

import pytest

from syncsvc.config import load
from syncsvc.config.loader import load_with_warnings
from syncsvc.config.problems import locate
from syncsvc.errors import ConfigError

GOOD = """
[submissions]
smtp_host = "mail.idstein.example"
smtp_port = 2525
smtp_from = "termine@idstein.example"
smtp_to = ["redaktion@idstein.example", "integration@idstein.example"]
smtp_starttls = false
smtp_user = "termine"
smtp_password_env = "SYNCSVC_SMTP_PASSWORD"
"""


def problems_of(write_config, text: str) -> list:
    with pytest.raises(ConfigError) as e:
        write_config(extra=text)
    return e.value.problems


def test_smtp_settings_are_read(write_config, monkeypatch):
    monkeypatch.setenv("SYNCSVC_SMTP_PASSWORD", "geheim")
    conf = write_config(extra=GOOD).submissions
    assert conf.smtp_host == "mail.idstein.example" and conf.smtp_port == 2525
    assert conf.smtp_to == ("redaktion@idstein.example", "integration@idstein.example")
    assert conf.smtp_starttls is False and conf.smtp_user == "termine"
    assert conf.smtp_password_env == "SYNCSVC_SMTP_PASSWORD"
    assert "geheim" not in repr(conf)  # the settings hold the variable's name only


def test_defaults_send_no_mail(write_config):
    conf = write_config().submissions
    assert conf.smtp_host == "" and conf.smtp_to == () and conf.smtp_starttls is True


def test_a_password_in_the_file_is_refused_with_advice(write_config, tmp_path):
    found = problems_of(write_config, GOOD + 'smtp_password = "geheim"\n')
    (p,) = [p for p in found if "smtp_password'" in p]
    assert "gehört nicht in die Konfigurationsdatei" in p and "smtp_password_env" in p
    assert "unbekannter Schlüssel" not in " ".join(found)
    text = (tmp_path / "config" / "syncsvc.toml").read_text(encoding="utf-8")
    line = locate(p, "syncsvc.toml", text).line
    assert text.splitlines()[line - 1].startswith("smtp_password =")


@pytest.mark.parametrize("text,expected", [
    ('smtp_host = "mail.example"\nsmtp_to = ["a@example.org"]\n',
     "'smtp_from' (Absenderadresse) fehlt"),
    ('smtp_host = "mail.example"\nsmtp_from = "a@example.org"\n', "'smtp_to' (Empfänger) fehlt"),
    ('smtp_to = "a@example.org"\n', "'smtp_to' muss eine Liste"),
    ('smtp_to = ["kein-at-zeichen"]\n', "'smtp_to' muss eine Liste von E-Mail-Adressen"),
    ('smtp_from = "termine"\n', "'smtp_from' \"termine\" ist keine E-Mail-Adresse"),
    ("smtp_port = 0\n", "'smtp_port' 0 liegt nicht zwischen 1 und 65535"),
    ("smtp_starttls = \"ja\"\n", "'smtp_starttls' muss true oder false sein"),
    ('smtp_user = "termine"\n', "'smtp_password_env' fehlt"),
    ('smtp_hots = "mail.example"\n', "meinten Sie `smtp_host`?"),
])
def test_bad_smtp_settings_are_located_german_problems(write_config, text, expected):
    found = problems_of(write_config, "[submissions]\n" + text)
    assert any(expected in p for p in found), found
    assert all(p.where[0] == "submissions" for p in found)


def test_an_unset_password_variable_is_a_warning(write_config, monkeypatch, tmp_path):
    monkeypatch.delenv("SYNCSVC_SMTP_PASSWORD", raising=False)
    write_config(extra=GOOD)  # loads: the variable may be set by the time a mail is sent
    _, warnings = load_with_warnings(tmp_path / "config" / "syncsvc.toml")
    assert any("SYNCSVC_SMTP_PASSWORD" in w and "nicht gesetzt" in w for w in warnings)
    assert load(tmp_path / "config" / "syncsvc.toml").submissions.smtp_user == "termine"


def test_check_never_prints_a_password_it_quotes(write_config, tmp_path, capsys):
    from syncsvc.cli import main

    with pytest.raises(ConfigError):
        write_config(extra=GOOD + 'smtp_password = "Sommer2026!"\n')
    main(["--config", str(tmp_path / "config" / "syncsvc.toml"), "check"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert 'smtp_password = "***"' in text and "Sommer2026" not in text
