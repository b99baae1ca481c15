"""``syncsvc check``: everything a sync would refuse, found without fetching.

``load`` only judges the main config; a sync also reads the city's schedule file, the
school-holiday file and every local partner file, and each of those used to fail only at
sync time (with a fresh database the city's events vanished). This reads all of them and
returns every problem at once, each located (file, line, column) and worded in German,
errors apart from warnings.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..config.loader import load_with_warnings
from ..config.problems import Problem, locate, render
from ..config.records import Settings
from ..errors import ConfigError, ParseError


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    texts: dict[str, str | None] = field(default_factory=dict)  # file → text, for quoting lines
    settings: Settings | None = None

    def add(self, problems, file: str) -> None:
        for p in problems:
            p = locate(p, file, self.texts.get(p.file or file))
            (self.warnings if p.warning else self.errors).append(p)

    def lines(self) -> list[str]:
        return [render(p, self.texts.get(p.file)) for p in self.errors + self.warnings]


def check(path: Path, today: date | None = None) -> Report:
    """Every problem of the config and the files it names; nothing is fetched."""
    report, name = Report(), str(path)
    report.texts[name] = _text(path)
    try:
        settings, warnings = load_with_warnings(path)
    except ConfigError as e:
        report.add(e.problems, name)
        return report
    report.settings = settings
    report.add(warnings, name)
    if not settings.sources:
        report.add([Problem("keine Quelle eingetragen – ohne [[sources]] würden alle "
                            "veröffentlichten Kalender und Feeds leer", ("sources",))], name)
    for n, source in enumerate(settings.sources):
        if source.is_local and not Path(source.url).is_file():
            report.add([_missing(f"Quelle '{source.id}': 'url'", Path(source.url),
                                 ("sources", n, "url"))], name)
    if settings.translations:
        _memory(settings, report)
    if any(s.kind == "schedule" for s in settings.sources):
        ranges = _holidays(settings, report, name, today or _today())
        for source in settings.sources:
            if source.kind == "schedule" and source.is_local and Path(source.url).is_file():
                _schedule(settings, source, ranges, report)
    return report


def _memory(settings: Settings, report: Report) -> None:
    """The translation memory: read as publishing reads it, each problem named."""
    from ..publish.memory import load_memory

    path = settings.translations
    report.texts[path] = _text(Path(path))
    _, problems = load_memory(path)
    report.add([Problem(f"Übersetzungsspeicher: {p}", file=path) for p in problems], path)


def _today() -> date:
    return date.today()


def _text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    except OSError:
        return None


def _missing(label: str, path: Path, where: tuple) -> Problem:
    near = difflib.get_close_matches(path.name, sorted(p.name for p in path.parent.glob("*")),
                                     n=1, cutoff=0.6) if path.parent.is_dir() else []
    advice = f" – meinten Sie `{near[0]}`?" if near else ""
    return Problem(f"{label} Datei '{path}' gibt es nicht{advice}", where)


def _holidays(settings: Settings, report: Report, name: str, today: date):
    from ..parse import holidays as hol

    where = ("service", "school_holidays")
    location = settings.school_holidays
    if not location.startswith(("http://", "https://")) and not Path(location).is_file():
        report.add([_missing("[service]: 'school_holidays'", Path(location), where)], name)
        return None
    if location.startswith(("http://", "https://")):
        return None  # a URL is fetched at sync time; check fetches nothing
    try:
        ranges = hol.load_school_holidays(location)
    except ConfigError as e:
        report.add([Problem(f"Ferientermine: {p}", file=location) for p in e.problems], name)
        return None
    warning = hol.coverage_warning(hol.coverage_end(ranges), today, location)
    if warning:
        report.add([Problem(warning, where, warning=True)], name)
    return ranges


def _schedule(settings: Settings, source, ranges, report: Report) -> None:
    from ..parse import holidays as hol
    from ..parse.schedule import parse_schedule

    file = source.url
    report.texts[file] = _text(Path(file))
    body = Path(file).read_bytes()
    try:
        parsed = parse_schedule(body, source.id, settings.timezone, ranges or [],
                                hol.public_holidays_he)
    except ParseError as e:
        report.add([_refused(file, body, e)], file)
        return
    report.add([p if isinstance(p, Problem) else Problem(p) for p in parsed.skipped], file)


def _refused(file: str, body: bytes, err: ParseError) -> Problem:
    """The file-wide refusal, located again (parse keeps only the sentence)."""
    from ..config.problems import first_problem, read_toml

    try:
        read_toml(Path(file), body)
    except ConfigError as e:
        return first_problem(e)
    return Problem(err.message, file=file)
