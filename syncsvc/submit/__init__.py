"""„Termin melden“: events reported by residents and groups through the public form.

A submission is stored *pending* (``store.submissions``) and reaches no output until a
moderator approves it (``syncsvc approve ID``). Approved submissions become the events
of the built-in source ``formular``: they are written to the events table like a
partner's, so dedupe, identity and every view treat them the same and they survive
restarts. Contact data never leaves the submissions table.

    fields   form text → checked values, or German refusals (limits on every field)
    tokens   CSRF token: HMAC(secret, timestamp), minimum fill time, address keys
    publish  approved rows → Event records of the source ``formular``
"""

from .publish import FORM_ID, FORM_SOURCE, form_events, refresh

__all__ = ["FORM_ID", "FORM_SOURCE", "form_events", "refresh"]
