"""Command line: check | sync | run | status | sources | explain | add-source | accept | backup
| submissions | approve | reject (moderation of „Termin melden“, ``cli.submissions``).

One function (``main``) turns exceptions into advice for the admin: a UserError shows its
message and no traceback; config problems exit with 2, other known failures with 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable, Sequence

from .. import __version__, logs
from .. import config as cfg
from ..errors import ConfigError, LockedError, SyncError, UserError
from . import submissions

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", "-c", default=argparse.SUPPRESS,
                        help="Konfigurationsdatei (Standard: $SYNCSVC_CONFIG oder "
                             "config/syncsvc.toml)")
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS)
    p = argparse.ArgumentParser(prog="syncsvc", parents=[common],
                                description="Termine und Nachrichten der Partner abrufen, "
                                            "zusammenführen und veröffentlichen.")
    p.add_argument("--version", action="version", version=f"syncsvc {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="BEFEHL")
    sub.add_parser("check", parents=[common], help="Konfiguration prüfen")
    sync = sub.add_parser("sync", parents=[common], help="alle Quellen jetzt abrufen")
    sync.add_argument("--source", action="append", help="nur diese Quelle(n)")
    run = sub.add_parser("run", parents=[common], help="Dienst starten (Abruf nach Plan + HTTP)")
    for cmd in (sync, run):
        cmd.add_argument("--neue-datenbank", dest="fresh", action="store_true",
                         help="bewusst mit einer neuen Datenbank beginnen, obwohl schon "
                              "veröffentlicht wurde (Handbuch, Abschnitt 8)")
    sub.add_parser("status", parents=[common], help="eine Zeile je Quelle")
    sub.add_parser("sources", parents=[common], help="Tabelle der Quellen mit Zustand")
    ex = sub.add_parser("explain", parents=[common], help="Zusammenführung erklären")
    ex.add_argument("query", help="veröffentlichte UID oder Teil des Titels")
    ex.add_argument("--news", action="store_true", help="Nachrichten statt Termine erklären")
    add = sub.add_parser("add-source", parents=[common], help="Adresse prüfen, TOML ausgeben")
    add.add_argument("url")
    add.add_argument("--id", dest="source_id", default="")
    acc = sub.add_parser("accept", parents=[common],
                         help="zurückgehaltenen neuen Stand einer Quelle übernehmen")
    acc.add_argument("source")
    bk = sub.add_parser("backup", parents=[common], help="Datenbank im Betrieb sichern")
    bk.add_argument("path")
    submissions.register(sub, common)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    if args.command == "check":  # reads more than the config; reports, never raises
        return cmd_check(cfg.resolve_path(cli_path=getattr(args, "config", None)))
    try:
        settings = cfg.load(cfg.resolve_path(cli_path=getattr(args, "config", None)))
        # The daemon logs every sync; one-shot commands stay quiet unless asked (-v):
        # their summary goes to stdout, problems still reach the log as warnings.
        quiet = logging.INFO if args.command == "run" else logging.WARNING
        logs.setup(settings.log_format, logging.DEBUG if verbose else quiet)
        return COMMANDS[args.command](settings, args)
    except ConfigError as e:
        print(f"Fehler: {e}", file=sys.stderr)
        print("Nichts wurde abgerufen oder geschrieben. Bitte die genannten Stellen "
              "korrigieren und `syncsvc check` erneut ausführen.", file=sys.stderr)
        return 2
    except UserError as e:
        print(f"Fehler: {e}", file=sys.stderr)
        return 1
    except SyncError as e:
        print(f"Fehler: {e}", file=sys.stderr)
        if verbose:
            raise
        return 1
    except sqlite3.DatabaseError as e:  # damaged after start-up, in the middle of a command
        from ..store.connection import problem

        print(f"Fehler: {problem(settings.database, e)}", file=sys.stderr)
        if verbose:
            raise
        return 1
    except KeyboardInterrupt:
        return 130


def cmd_check(path) -> int:
    """Every problem of the config, the schedule, holiday and local feed files; exit 2 on
    errors (warnings alone exit 0)."""
    from ..service.check import check

    report = check(path)
    if report.errors:
        for line in report.lines():
            print(line, file=sys.stderr)
        print(f"{len(report.errors)} Fehler, {len(report.warnings)} Warnung(en). Nichts wurde "
              "abgerufen oder geschrieben. Bitte die genannten Stellen korrigieren und "
              "`syncsvc check` erneut ausführen.", file=sys.stderr)
        return 2
    settings = report.settings
    assert settings is not None  # check() keeps the settings whenever the config loaded
    enabled = sum(1 for s in settings.sources if s.enabled)
    print(f"Konfiguration {settings.config_path} ist in Ordnung: "
          f"{len(settings.sources)} Quellen ({enabled} aktiv).")
    for line in report.lines():
        print(line)
    return 0


def cmd_sync(settings: cfg.Settings, args) -> int:
    from ..service import Service

    sources = settings.sources
    if args.source:
        unknown = set(args.source) - {s.id for s in sources}
        if unknown:
            raise UserError(f"Unbekannte Quelle(n): {', '.join(sorted(unknown))}")
        sources = tuple(s for s in sources if s.id in args.source)
    show = _progress if sys.stderr.isatty() else None
    try:
        service = Service.open(settings, fresh=args.fresh)
    except LockedError:
        if args.source or not _signal_daemon(settings, signal.SIGUSR1):
            raise
        print("Der Dienst läuft bereits und ruft jetzt alle Quellen ab. "
              "Ergebnis in einer Minute mit `syncsvc status`.")
        return 0
    with service:
        reports, out = service.sync_and_publish(sources, progress=show)
    failed = [r for r in reports if not r.ok]
    current = f"{len(reports) - len(failed)} von {len(reports)} Quellen aktuell"
    if out is None:
        print(f"{current}, nichts geändert – die veröffentlichten Dateien sind aktuell.")
    else:
        print(f"{current}, {len(out.events)} Termine und {len(out.items)} Nachrichten "
              f"veröffentlicht in {settings.output_dir}.")
    for r in failed:
        print(f"  Quelle '{r.source_id}': {r.error}")
    return 1 if reports and len(failed) == len(reports) else 0


def _progress(report) -> None:
    mark = "ok" if report.ok else "FEHLER"
    detail = "unverändert" if report.not_modified else f"{report.count} Einträge"
    print(f"  [{mark}] {report.source_id}: {report.error or detail}", file=sys.stderr)


def cmd_run(settings: cfg.Settings, args) -> int:
    from ..service.daemon import Daemon

    return Daemon(settings, fresh=args.fresh).run()


def cmd_status(settings: cfg.Settings, args) -> int:
    from ..service.status import local_time, read_status

    doc = read_status(settings)
    for s in doc["sources"]:
        attempt = local_time(s["last_attempt"], settings.timezone)
        success = local_time(s["last_success"], settings.timezone)
        print(f"{s['id']}: {s['health_label']}, Versuch {attempt}, Erfolg {success}"
              f", HTTP {s['http_status'] or '–'}, {s['count']} Einträge"
              f", zusammengeführt {s['merged']}, Fehler: {s['last_error'] or s['held'] or '–'}")
    for w in doc["warnings"]:
        print(f"Warnung: {w}")
    return 0


def cmd_sources(settings: cfg.Settings, args) -> int:
    from ..service import Service
    from ..service.status import local_time

    with Service.open(settings, lock=False) as service:
        rows = service.source_rows()
    header = ("ID", "ART", "ZUSTAND", "LETZTER ERFOLG", "EINTRÄGE", "HINWEIS")
    table = [header] + [(r["id"], r["kind"], r["health_label"],
                         local_time(r["last_success"], settings.timezone),
                         str(r["count"]), (r["last_error"] or r["held"])[:60]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_explain(settings: cfg.Settings, args) -> int:
    from .explain import explain

    print(explain(settings, args.query, news=args.news))
    return 0


def cmd_add_source(settings: cfg.Settings, args) -> int:
    from .probe import probe

    print(probe(settings, args.url, args.source_id))
    return 0


def cmd_accept(settings: cfg.Settings, args) -> int:
    from ..service import Service

    if args.source not in {s.id for s in settings.sources}:
        raise UserError(f"Unbekannte Quelle: {args.source}")
    try:
        service, running = Service.open(settings), False
    except LockedError:  # the daemon runs: write the data, let it republish (SIGHUP)
        service, running = Service.open(settings, lock=False), True
    with service:
        if not service.accept(args.source):
            print(f"Quelle '{args.source}' hat keinen zurückgehaltenen Stand.")
            return 1
        if not running:
            service.republish()
    if running and not _signal_daemon(settings, signal.SIGHUP):
        print("Hinweis: der laufende Dienst veröffentlicht den neuen Stand beim nächsten "
              "Neustart oder mit `kill -HUP` an seinen Prozess.")
    print(f"Neuer Stand der Quelle '{args.source}' übernommen und veröffentlicht.")
    return 0


def _signal_daemon(settings: cfg.Settings, sig: signal.Signals) -> bool:
    """Ask the daemon that holds the database lock to act (sync now / republish).

    Only a running daemon is signalled: the lock file names the holder's role and start
    time, so a one-off `syncsvc sync` holding the lock (SIGUSR1 would end it) or another
    process that reused a dead holder's PID is never sent anything."""
    from ..store import Store

    holder = Store.lock_holder(settings.database)
    if holder is None or not holder.is_running_daemon():
        return False
    try:
        os.kill(holder.pid, sig)
    except OSError:  # another PID namespace (container) or gone
        return False
    return True


def cmd_backup(settings: cfg.Settings, args) -> int:
    from .backup import backup

    target = backup(settings.database, args.path, settings.timezone)
    print(f"Sicherung geschrieben: {target}")
    return 0


COMMANDS: dict[str, Callable[[cfg.Settings, argparse.Namespace], int]] = {
    "sync": cmd_sync, "run": cmd_run, "status": cmd_status,
    "sources": cmd_sources, "explain": cmd_explain, "add-source": cmd_add_source,
    "accept": cmd_accept, "backup": cmd_backup, **submissions.COMMANDS,
}

if __name__ == "__main__":
    sys.exit(main())
