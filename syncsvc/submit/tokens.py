"""Abuse resistance without third parties: a signed timestamp instead of a CAPTCHA.

The form carries ``<unix time>.<HMAC(secret, time)>``. A POST is accepted only with a
token this server signed, at least ``min_seconds`` and at most ``MAX_AGE_S`` old: bots
that post directly have no token, bots that fetch and post at once are too fast, and a
token cannot be forged without the secret (kept in the database, never sent).
"""

from __future__ import annotations

import hashlib
import hmac

MAX_AGE_S = 4 * 3600


def make_token(secret: bytes, now: float) -> str:
    stamp = str(int(now))
    return f"{stamp}.{_sign(secret, 'form', stamp)}"


def token_problem(secret: bytes, token: str, now: float, min_seconds: float) -> str:
    """'' when the token is valid and old enough; else the German reason."""
    stamp, _, mac = (token or "").partition(".")
    if not stamp.isdigit() or not hmac.compare_digest(mac, _sign(secret, "form", stamp)):
        return ("Das Formular ist ungültig oder abgelaufen. Bitte die Seite neu laden und "
                "noch einmal ausfüllen.")
    age = now - int(stamp)
    if age > MAX_AGE_S:
        return "Das Formular ist abgelaufen. Bitte die Seite neu laden."
    if age < min_seconds:
        return ("Das Formular wurde zu schnell abgeschickt. Bitte einen Moment warten und "
                "noch einmal senden.")
    return ""


def client_key(secret: bytes, address: str) -> str:
    """What is stored instead of the address: enough to count, not enough to read back."""
    return _sign(secret, "client", address)[:32]


def _sign(secret: bytes, purpose: str, text: str) -> str:
    return hmac.new(secret, f"{purpose}\x1f{text}".encode(), hashlib.sha256).hexdigest()
