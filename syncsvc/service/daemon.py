"""The long-running service: scheduled syncs, HTTP server, config reload, signals.

Threads: the main thread waits for a stop signal; a scheduler thread runs the
``schedule`` jobs (one per source, on its own interval) and watches the config file;
waitress serves the output folder. SIGTERM/SIGINT stop after the running write;
SIGHUP (or a changed config file) reloads the config: a new ``Service`` is built and
swapped whole (fetch limits, HTTP headers, pages), or, when the new file is refused, the
last good one stays and the refusal shows on /status and /admin until fixed;
SIGUSR1 syncs every source now (``syncsvc sync`` sends it when the daemon holds the
database).
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

import schedule

from .. import config as cfg
from ..config import Settings
from ..errors import ConfigError, PublishError
from ..logs import fields
from ..serve import bound_hosts, serve, stop
from ..store.lock import DAEMON
from . import Service, health, moderation
from .database import open_writer
from .status import Metrics
from .timers import Timers

log = logging.getLogger(__name__)
TICK_S = 1.0


class Daemon:
    def __init__(self, settings: Settings, *, fresh: bool = False):
        self.settings = settings
        self.fresh = fresh  # `run --neue-datenbank`: a new database is meant (.database)
        self.stop_event = threading.Event()
        self.reload_event = threading.Event()
        self.sync_now_event = threading.Event()
        self.write_lock = threading.Lock()
        self.metrics = Metrics()
        self.scheduler = schedule.Scheduler()
        self.timers = Timers(self.scheduler)  # per-source jobs, safe from clock steps
        self.config_error = ""  # the last refused reload, shown until a good one
        self._config_mtime = self._mtime()
        self._thread: threading.Thread | None = None
        self.heartbeat = health.Heartbeat()
        self._unhealthy: list[str] = []
        self.purge = moderation.DailyPurge()  # contact data of „Termin melden“
        self._admin_app = None
        self.bound: tuple[str, ...] = ()  # the sockets' addresses; a reload cannot move them
        self._listen = (settings.bind, settings.port)  # what they were bound from

    def run(self) -> int:
        self.store = open_writer(self.settings, role=DAEMON, fresh=self.fresh)
        self.service = Service(self.settings, self.store)
        self.app = self._build_app(self.service)
        self._install_signals()
        # serve first: the outputs of the last run are on disk, and a first pass over many
        # slow partners must not keep residents (and /healthz) waiting
        server = serve(lambda env, start: self.app(env, start), self.settings.bind,
                       self.settings.port)
        self.bound = bound_hosts(server)
        server_thread = threading.Thread(target=server.run, name="http", daemon=True)
        server_thread.start()
        self._thread = threading.Thread(target=self._start, name="scheduler", daemon=True)
        self._thread.start()
        log.info("serving %s on http://%s:%d", self.settings.output_dir,
                 self.settings.bind, self.settings.port, extra=fields(source="*"))
        while not self.stop_event.wait(0.5):
            pass
        log.info("stopping", extra=fields(source="*"))
        self._thread.join(timeout=120)
        stop(server, server_thread)
        self.store.close()
        log.info("stopped", extra=fields(source="*"))
        return 0

    @property
    def pipeline(self):
        return self.service.pipeline

    @pipeline.setter
    def pipeline(self, pipeline) -> None:  # tests inject a pipeline with a fast fetcher
        self.service = Service(self.settings, self.store, pipeline)

    # --- scheduling ------------------------------------------------------------------

    def _schedule_jobs(self) -> list:
        """Jobs for the sources of the current config (``timers.Timers.plan``); returns
        the new or changed sources, to be synced now."""
        return self.timers.plan(self.settings.sources, self._sync_one, self._day_tick)

    def _start(self) -> None:
        """The first pass over every source, then the scheduled jobs."""
        try:
            self._sync(self.settings.sources, "start")
        except Exception:  # the scheduler must start even when the first pass fails
            log.exception("first sync failed", extra=fields(source="*"))
        self._schedule_jobs()
        self._loop()

    def _loop(self) -> None:
        while not self.stop_event.is_set():
            self.heartbeat.beat()
            try:
                if self.reload_event.is_set():
                    self.reload_event.clear()
                    self._reload(force_publish=True)
                elif self._mtime() != self._config_mtime:
                    self._reload()
                if self.sync_now_event.is_set():
                    self.sync_now_event.clear()
                    self._sync(self.settings.sources, "request")
                self.timers.run_pending()
            except Exception:  # the loop must survive anything a job does
                log.exception("scheduler tick failed", extra=fields(source="*"))
            self.stop_event.wait(TICK_S)

    def _sync_one(self, source_id: str) -> None:
        if self.stop_event.is_set():
            return
        try:
            source = self.settings.source(source_id)
        except KeyError:
            return
        row = self.store.source(source_id)
        until = row.get("retry_after_until")
        if until and until > datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"):
            log.info("waiting for Retry-After until %s", until, extra=fields(source=source_id))
            return
        self._sync([source], "schedule")

    def _sync(self, sources, why: str) -> None:
        with self.write_lock:
            reports = self.service.sync(sources, progress=self.heartbeat.beat)
            self.metrics.observe(reports)
            self._publish_if_needed(reports)
            self.heartbeat.beat()

    def _publish_if_needed(self, reports=()) -> None:
        """Republish when behind; a failure is logged and retried by the next pass (the
        store still records the older published version)."""
        now = datetime.now(UTC)
        if not self.service.publish_needed(reports, now):
            return
        try:
            out = self.service.republish(now)
        except (PublishError, OSError) as e:
            log.error("Veröffentlichen fehlgeschlagen, wird beim nächsten Durchlauf "
                      "wiederholt: %s", e, extra=fields(source="*"))
            self.store.set_meta("publish_error", str(e))
            return
        if self.store.meta("publish_error"):
            self.store.set_meta("publish_error", "")
        self.metrics.published_events = len(out.events)
        self.metrics.merges = sum(len(p.sources) - 1 for p in out.events)

    def _day_tick(self) -> None:
        """Views list occurrences from today on: republish once the local day turns; and
        once per local day delete contact data of „Termin melden“ whose time is up, also
        when nobody moderates (before, only a CLI decision or a new submission purged)."""
        with self.write_lock:
            self._publish_if_needed()
            self.purge.run(self.settings, datetime.now(UTC))

    def _moderate(self, sub_id: int, action: str, *, reason: str = "",
                  form: dict[str, str] | None = None) -> list[str]:
        """What /admin calls to decide a submission: under the write lock, republished
        with the daemon's own retry and metrics."""
        with self.write_lock:
            problems = self.service.moderate(sub_id, action, reason=reason, form=form,
                                             publish=False)
            if not problems:
                self._publish_if_needed()
            return problems

    # --- config reload ---------------------------------------------------------------

    def _mtime(self) -> float:
        try:
            return self.settings.config_path.stat().st_mtime
        except OSError:
            return 0.0

    def _reload(self, force_publish: bool = False) -> None:
        """Load the config again and swap in a new Service whole; on a refused file keep
        the last good one and show why. Republish when the publishing config changed, or
        always on SIGHUP (``accept`` changed stored data behind the daemon's back)."""
        self._config_mtime = self._mtime()
        new = self._load_new()
        if new is not None:
            if (new.bind, new.port) != self._listen:
                log.warning("bind/port geändert: gilt erst nach einem Neustart des Dienstes, "
                            "bis dahin weiter %s:%d", *self._listen, extra=fields(source="*"))
            service = Service(new, self.store)
            app = self._build_app(service)
            with self.write_lock:
                self.settings, self.service, self.app = new, service, app
                self.config_error = ""
                fresh = self._schedule_jobs()
            log.info("config reloaded: %d sources", len(new.sources), extra=fields(source="*"))
            self._sync(fresh, "reload")
        if force_publish:
            with self.write_lock:
                out = self.service.republish()
                self.metrics.published_events = len(out.events)

    def _load_new(self) -> Settings | None:
        try:
            new = cfg.load(self.settings.config_path)
            if not new.sources:  # an emptied file would empty every output
                raise ConfigError(str(self.settings.config_path), [
                    "keine Quelle eingetragen – ohne [[sources]] würden alle "
                    "veröffentlichten Kalender und Feeds leer"])
        except ConfigError as e:
            log.error("config reload refused, keeping the last good config: %s", e,
                      extra=fields(source="*"))
            self.config_error = str(e)
            return None
        return new

    def _build_app(self, service: Service):
        if self._admin_app is None:  # one for the process: logins outlive a reload
            self._admin_app = self._admin()
        return service.app(status=self._status, metrics=self.metrics.render,
                           healthy=self._healthy, admin=self._admin_app)

    # --- signals, health, status ------------------------------------------------------

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGHUP, lambda *_: self.reload_event.set())
        signal.signal(signal.SIGUSR1, lambda *_: self.sync_now_event.set())

    def _healthy(self) -> bool:
        """/healthz: scheduler alive and making progress, database readable, publishing
        working (service.health); a change of the verdict is logged with the reasons."""
        limit = health.stall_limit_s(self.settings.total_timeout_s)
        # a pass may fetch every source in turn before a job's turn comes
        slack = limit + len(self.timers.jobs) * self.settings.total_timeout_s
        found = health.problems(self._thread, self.heartbeat, limit, self.settings.database,
                                overdue=self.timers.overdue(slack))
        if found != self._unhealthy:
            if found:
                log.error("nicht betriebsbereit: %s", "; ".join(found),
                          extra=fields(source="*", stage="serve"))
            else:
                log.info("wieder betriebsbereit", extra=fields(source="*", stage="serve"))
            self._unhealthy = found
        return not found

    def _status(self) -> dict:
        doc = self.service.status()
        if self.config_error:
            doc["config_error"] = self.config_error
            doc["warnings"] = [f"Die geänderte Konfiguration wurde nicht übernommen, es gilt "
                               f"weiter die letzte gültige Fassung. {self.config_error}",
                               *doc.get("warnings", [])]
        return doc

    def _admin(self):
        try:
            from ..serve.admin import make_admin
        except ImportError:
            return None
        from .status import stored_events

        return make_admin(lambda: self.settings, self._status,
                          lambda known: stored_events(self.settings, known),
                          moderate=self._moderate, bound=lambda: self.bound)

