"""Moderation decisions of „Termin melden“ as one call, for /admin (and anything else).

The web layer only reads submissions and shows forms; changing one is a write that must
also rebuild the events of the source ``formular`` and republish, and that composition
belongs here, next to ``Service``. The daemon wraps ``moderate`` in its write lock, so a
decision never interleaves with a sync pass. Every decision also purges contact data that
is older than ``keep_contact_days`` after its event, as the CLI commands do.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..config import Settings
from ..logs import fields
from ..store.submissions import Submissions
from ..submit import FORM_ID, refresh
from ..submit.fields import check, known_categories

log = logging.getLogger(__name__)

ACTIONS = ("approve", "reject", "edit")
MAX_REASON = 500


def record(settings: Settings, sub_id: int, action: str, *, reason: str = "",
           form: dict[str, str] | None = None, now: datetime | None = None
           ) -> tuple[list[str], list[dict]]:
    """Write one decision or edit to the submissions table.

    Returns (German problems, the approved rows afterwards); with problems nothing was
    written. ``edit`` takes the event fields of ``form`` (checked like the public form,
    without contact data and consent) and keeps the status.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}")
    now = now or datetime.now(UTC)
    with Submissions(settings.database) as subs:
        if subs.get(sub_id) is None:
            return [f"Es gibt keinen gemeldeten Termin #{sub_id}."], []
        if action == "edit":
            values, problems = check(form or {}, known_categories(settings),
                                     local_day(settings, now), contact=False)
            if problems:
                return problems, []
            subs.update(sub_id, values)
        else:
            status = "approved" if action == "approve" else "rejected"
            subs.decide(sub_id, status, now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        reason.strip()[:MAX_REASON] if action == "reject" else "")
        subs.purge_contacts(local_day(settings, now), settings.submissions.keep_contact_days)
        approved = subs.with_status("approved")
    log.info("submission %d: %s", sub_id, action, extra=fields(source=FORM_ID))
    return [], approved


def moderate(settings: Settings, store, sub_id: int, action: str, *, reason: str = "",
             form: dict[str, str] | None = None, now: datetime | None = None
             ) -> tuple[list[str], bool]:
    """``record`` and rebuild the form source's events in ``store``; returns (problems,
    whether the stored events changed, i.e. a republish is due)."""
    problems, approved = record(settings, sub_id, action, reason=reason, form=form, now=now)
    if problems:
        return problems, False
    return [], refresh(store, settings, approved)


def purge_contacts(settings: Settings, today: date) -> int:
    """Delete the contact data of submissions whose event ended ``keep_contact_days`` ago."""
    with Submissions(settings.database) as subs:
        return subs.purge_contacts(today, settings.submissions.keep_contact_days)


class DailyPurge:
    """``purge_contacts`` at most once per local day, for the daemon's 5-minute day tick:
    the privacy promise on the form („gelöscht … Tage nach dem Termin“) must hold also
    when nobody submits or moderates for weeks."""

    def __init__(self) -> None:
        self.day: date | None = None  # the local day of the last purge

    def run(self, settings: Settings, now: datetime) -> int | None:
        """The number of submissions purged, or None when today's purge already ran."""
        today = local_day(settings, now)
        if self.day == today:
            return None
        purged = purge_contacts(settings, today)
        self.day = today
        if purged:
            log.info("contact data of %d submissions deleted", purged,
                     extra=fields(source=FORM_ID))
        return purged


def local_day(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()
