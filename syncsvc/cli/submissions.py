"""Moderation of „Termin melden“: ``submissions`` lists, ``approve``/``reject`` decide.

A decision is recorded by ``service.moderation.record`` (shared with /admin), then the
events of the source ``formular`` are rebuilt and republished at once; when the daemon
holds the database lock, the events are written and the daemon is asked to republish
(SIGHUP), as ``accept`` does. Every command also purges contact data that is
older than ``keep_contact_days`` after its event.
"""

from __future__ import annotations

import argparse
import signal
from datetime import UTC, date, datetime

from .. import config as cfg
from ..errors import LockedError, UserError
from ..store.submissions import Submissions


def register(sub, common: argparse.ArgumentParser) -> None:
    sub.add_parser("submissions", parents=[common], help="gemeldete Termine (ausstehend)")
    ap = sub.add_parser("approve", parents=[common], help="gemeldeten Termin freigeben")
    ap.add_argument("id", type=int)
    rj = sub.add_parser("reject", parents=[common], help="gemeldeten Termin ablehnen")
    rj.add_argument("id", type=int)
    rj.add_argument("--grund", default="", help="Grund der Ablehnung (nur intern)")


def cmd_submissions(settings: cfg.Settings, args) -> int:
    with Submissions(settings.database) as subs:
        subs.purge_contacts(date.today(), settings.submissions.keep_contact_days)
        rows = subs.with_status("pending")
    if not rows:
        print("Keine gemeldeten Termine warten auf Freigabe.")
    for r in rows:
        when = "ganztägig" if r["all_day"] else f"{r['begin']}–{r['end'] or '?'}"
        contact = ", ".join(c for c in (r["contact_email"], r["contact_phone"]) if c) or "–"
        print(f"#{r['id']}  {r['day']} {when}  „{r['title']}“  ({r['organisation']}, "
              f"{r['place']}; Kontakt: {contact})")
    return 0


def cmd_approve(settings: cfg.Settings, args) -> int:
    _decide(settings, args.id, "approved", "")
    print(f"Termin #{args.id} freigegeben und veröffentlicht.")
    return 0


def cmd_reject(settings: cfg.Settings, args) -> int:
    _decide(settings, args.id, "rejected", args.grund.strip()[:500])
    print(f"Termin #{args.id} abgelehnt.")
    return 0


def _decide(settings: cfg.Settings, sub_id: int, status: str, reason: str) -> None:
    from ..service import Service
    from ..service.moderation import record
    from ..submit import refresh
    from . import _signal_daemon

    now = datetime.now(UTC)
    action = "approve" if status == "approved" else "reject"
    problems, approved = record(settings, sub_id, action, reason=reason, now=now)
    if problems:
        raise UserError(" ".join(problems))
    try:
        service, running = Service.open(settings), False
    except LockedError:
        service, running = Service.open(settings, lock=False), True
    with service:
        refresh(service.store, settings, approved)
        if not running:
            service.republish(now)
    if running and not _signal_daemon(settings, signal.SIGHUP):
        print("Hinweis: der laufende Dienst veröffentlicht beim nächsten Abruf oder mit "
              "`kill -HUP` an seinen Prozess.")


COMMANDS = {"submissions": cmd_submissions, "approve": cmd_approve, "reject": cmd_reject}
