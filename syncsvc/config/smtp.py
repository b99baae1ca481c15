"""The ``smtp_*`` keys of ``[submissions]``: the optional e-mail notice to moderators.

Kept out of ``loader`` because it has rules of its own: the password is never in the
file (only the *name* of an environment variable, like ``admin_token_env``), so a key
that looks like a password is refused with advice instead of „unbekannter Schlüssel“;
and a host without sender or recipients would fail only at the first submission, so the
file is refused now, where the admin is looking.
"""

from __future__ import annotations

import os
import re

from .problems import Problem

KEYS = {"smtp_host": str, "smtp_port": int, "smtp_from": str, "smtp_to": list,
        "smtp_starttls": bool, "smtp_user": str, "smtp_password_env": str}
PASSWORD_KEYS = ("smtp_password", "password", "smtp_pass", "smtp_passwort", "passwort")
_EMAIL = re.compile(r"^[^@\s<>\",]{1,64}@[^@\s<>\",]{1,190}\.[^@\s<>\",]{2,}$")
_HERE = "submissions"


def without_passwords(raw: object, problems: list[Problem]) -> object:
    """The table without password keys, each reported with what to write instead."""
    if not isinstance(raw, dict):
        return raw
    for key in [k for k in raw if str(k).lower() in PASSWORD_KEYS]:
        problems.append(Problem(
            f"[submissions]: '{key}' – ein Passwort gehört nicht in die Konfigurationsdatei. "
            "Bitte das Passwort in eine Umgebungsvariable legen (z. B. SYNCSVC_SMTP_PASSWORD) "
            "und hier nur deren Namen eintragen: smtp_password_env = "
            "\"SYNCSVC_SMTP_PASSWORD\"", (_HERE, key)))
    return {k: v for k, v in raw.items() if str(k).lower() not in PASSWORD_KEYS}


def read_smtp(sub: dict, problems: list[Problem]) -> dict:
    """The checked ``smtp_*`` values of ``SubmissionSettings``; drops the bad ones."""
    out = {k: v for k, v in sub.items() if k in KEYS}
    if "smtp_to" in out:
        good = [a.strip() for a in out["smtp_to"] if isinstance(a, str) and _EMAIL.match(
            a.strip())]
        if len(good) != len(out["smtp_to"]):
            problems.append(Problem("[submissions]: 'smtp_to' muss eine Liste von "
                                    "E-Mail-Adressen sein, z. B. [\"redaktion@idstein.de\"]",
                                    (_HERE, "smtp_to")))
        out["smtp_to"] = tuple(good)
    if out.get("smtp_from") and not _EMAIL.match(out["smtp_from"].strip()):
        problems.append(Problem(f"[submissions]: 'smtp_from' \"{out['smtp_from']}\" ist keine "
                                "E-Mail-Adresse", (_HERE, "smtp_from")))
    if "smtp_port" in out and not 0 < out["smtp_port"] < 65536:
        problems.append(Problem(f"[submissions]: 'smtp_port' {out['smtp_port']} liegt nicht "
                                "zwischen 1 und 65535 (üblich: 587 mit STARTTLS)",
                                (_HERE, "smtp_port")))
        del out["smtp_port"]
    if out.get("smtp_host"):
        for key, what in (("smtp_from", "Absenderadresse"), ("smtp_to", "Empfänger")):
            if not out.get(key):
                problems.append(Problem(f"[submissions]: 'smtp_host' ist gesetzt, aber "
                                        f"'{key}' ({what}) fehlt – ohne sie kann keine "
                                        "E-Mail verschickt werden", (_HERE, key)))
    if out.get("smtp_user") and not out.get("smtp_password_env"):
        problems.append(Problem("[submissions]: 'smtp_user' ist gesetzt, aber "
                                "'smtp_password_env' fehlt (der Name der Umgebungsvariable "
                                "mit dem Passwort)", (_HERE, "smtp_password_env")))
    name = out.get("smtp_password_env", "")
    if name and not os.environ.get(name):
        problems.append(Problem(f"[submissions]: die Umgebungsvariable {name} aus "
                                "'smtp_password_env' ist nicht gesetzt – die Anmeldung beim "
                                "Mailserver wird scheitern", (_HERE, "smtp_password_env"),
                                warning=True))
    return out
