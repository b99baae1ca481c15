"""Problems an admin must fix, located in the file they wrote, in German.

tomllib reports syntax errors in English ("Invalid value (at line 62, column 8)") and the
parsed tables carry no line numbers, so an admin who wrote ``intervall = "30m"`` got a
message without a place to look. This module gives every problem a key path
(``("sources", 2, "url")``), finds that key's line by scanning the file's table headers
and ``key =`` lines, and turns tomllib's, the BOM's and the codec's complaints into plain
German with advice. A ``Problem`` is a ``str`` (its German sentence), so every caller
that joins or prints problems keeps working unchanged.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path

from ..errors import ConfigError

Path_ = tuple  # ("sources", 0, "url"); indexes count from 0 within their parent table

_HEADER_ARRAY = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_HEADER_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_-]+)\s*=")
_CREDENTIALS = re.compile(r"(://[^/\s:@\"']+:)[^@\s\"']+@")
_PASSWORD_LINE = re.compile(r"^(\s*[\w-]*pass[\w-]*(?<!_env)\s*=\s*).+$", re.I)
_AT = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")
_GERMAN_SYNTAX = {
    "Invalid value": "ungültiger Wert",
    "Invalid statement": "ungültige Zeile",
    "Invalid date or datetime": "ungültiges Datum – Daten schreibt man JJJJ-MM-TT, z. B. "
                                "2027-03-04; gibt es diesen Tag?",
    "Expected '=' after a key in a key/value pair": "nach dem Schlüssel fehlt ein '='",
    "Invalid initial character for a key part": "ungültiges Zeichen am Anfang eines Schlüssels",
    "Unclosed array": "eine Liste [ … ] ist nicht geschlossen",
    "Unclosed inline table": "eine Tabelle { … } ist nicht geschlossen",
    "Unterminated string": "ein Text ist nicht mit \" geschlossen",
    "Expected newline or end of document after a statement":
        "nach dem Wert folgt noch etwas in derselben Zeile",
}


def mask(text: str) -> str:
    """The text with any password inside a URL, or as the value of a key named like a
    password (``smtp_password = "…"``, refused but quoted), replaced: quoting leaks none."""
    return _PASSWORD_LINE.sub(r'\1"***"', _CREDENTIALS.sub(r"\1***@", text))


class Problem(str):
    """One German sentence plus where it belongs: file, key path, line, column, advice."""

    file: str
    where: Path_
    line: int | None
    column: int | None
    warning: bool

    def __new__(cls, text: str, where: Path_ = (), *, file: str = "", line: int | None = None,
                column: int | None = None, warning: bool = False) -> Problem:
        self = super().__new__(cls, text)
        self.file, self.where, self.line, self.column = file, tuple(where), line, column
        self.warning = warning
        return self


def suggest(word: str, choices) -> str:
    """' – meinten Sie `interval`?' for a near miss, else ''."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" – meinten Sie `{close[0]}`?" if close else ""


def line_index(text: str) -> dict[Path_, tuple[int, int]]:
    """Key path → (line, column) for every table header and ``key =`` line of a file."""
    out: dict[Path_, tuple[int, int]] = {}
    latest: dict[Path_, int] = {}  # array-of-tables path → its current index
    table: Path_ = ()

    def resolve(names: list[str]) -> Path_:
        path: Path_ = ()
        for name in names:
            path += (name,)
            if path in latest:
                path += (latest[path],)
        return path

    for lineno, line in enumerate(text.splitlines(), start=1):
        if m := _HEADER_ARRAY.match(line):
            names = m.group(1).split(".")
            array = resolve(names[:-1]) + (names[-1],)
            latest[array] = latest.get(array, -1) + 1  # sub-arrays: a fresh path per parent
            table = array + (latest[array],)
            out.setdefault(table, (lineno, 1))
        elif m := _HEADER_TABLE.match(line):
            table = resolve(m.group(1).split("."))
            out.setdefault(table, (lineno, 1))
        elif m := _KEY.match(line):
            out.setdefault(table + (m.group(2),), (lineno, len(m.group(1)) + 1))
    return out


def locate(problem: Problem, file: str, text: str | None) -> Problem:
    """The problem with file and (if not known yet) the line of its key or its table."""
    line, column = problem.line, problem.column
    if line is None and text is not None and problem.where:
        index = line_index(text)
        where = problem.where
        while where and where not in index:
            where = where[:-1]
        if where:
            line, column = index[where]
    return Problem(str(problem), problem.where, file=problem.file or file, line=line,
                   column=column, warning=problem.warning)


def read_toml(path: Path, body: bytes | None = None) -> tuple[dict, str]:
    """Parse a TOML file; raise ConfigError with one located German problem on bad bytes."""
    if body is None:
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            hint = (" – die eigenen Dateien legt einmal `sh scripts/init-local.sh` an"
                    if path.parent.name == "local" else "")
            raise ConfigError(str(path), [Problem(f"Datei nicht gefunden{hint}",
                                                  file=str(path))]) from None
        except OSError as e:
            raise ConfigError(str(path), [Problem(f"Datei nicht lesbar ({e.strerror})",
                                                  file=str(path))]) from None
    text = _decode(path, body)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), [syntax_problem(path, str(e), text)]) from None


def _decode(path: Path, body: bytes) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        raise ConfigError(str(path), [Problem(
            "die Datei beginnt mit einer unsichtbaren Byte-Order-Markierung (BOM) – bitte "
            "im Editor als „UTF-8 ohne BOM“ speichern", file=str(path), line=1, column=1)])
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        line = body.count(b"\n", 0, e.start) + 1
        column = e.start - (body.rfind(b"\n", 0, e.start) + 1) + 1
        char = body[e.start:e.start + 1].decode("latin-1")
        raise ConfigError(str(path), [Problem(
            f"die Datei ist nicht als UTF-8 gespeichert (Zeichen „{char}“ sieht nach "
            "Latin-1/Windows-1252 aus) – bitte im Editor als „UTF-8“ speichern",
            file=str(path), line=line, column=column)]) from None


def syntax_problem(path: Path, message: str, text: str) -> Problem:
    """tomllib's English complaint as a located German sentence with advice."""
    m = _AT.match(message)
    if not m:
        return Problem(f"kein gültiges TOML ({message})", file=str(path))
    english, line, column = m.group(1), int(m.group(2)), int(m.group(3))
    german = _GERMAN_SYNTAX.get(english)
    if german is None:
        german = next((g for e, g in _GERMAN_SYNTAX.items() if english.startswith(e)),
                      f"kein gültiges TOML ({english})")
    lines = text.splitlines()
    quoted = lines[line - 1] if 0 < line <= len(lines) else ""
    return Problem(german + _syntax_advice(english, quoted), file=str(path), line=line,
                   column=column)


def _syntax_advice(english: str, line: str) -> str:
    if any(q in line for q in "„“”‚‘’"):
        return (" – Texte stehen in geraden Anführungszeichen \"…\"; typografische „…“ "
                "sind nur innerhalb eines Textes erlaubt")
    if english.startswith("Cannot declare") or english.startswith("Cannot overwrite"):
        return " – dieser Schlüssel oder Abschnitt steht doppelt in der Datei"
    if "=" in line and re.search(r"=\s*[^\s\"'\[{0-9tf+-]", line):
        return " – Texte gehören in Anführungszeichen, z. B. name = \"Text\""
    return ""


def first_problem(e: ConfigError) -> Problem:
    """The first problem of ``e`` as a Problem (``read_toml`` raises only Problems; other
    raisers may pass plain sentences)."""
    p = e.problems[0]
    return p if isinstance(p, Problem) else Problem(p)


def render(problem: Problem, text: str | None) -> str:
    """'Fehler: datei, Zeile 3, Spalte 1: Satz' plus the offending line, quoted."""
    kind = "Warnung" if problem.warning else "Fehler"
    place = problem.file or "?"
    if problem.line:
        place += f", Zeile {problem.line}"
        if problem.column:
            place += f", Spalte {problem.column}"
    out = f"{kind}: {place}: {problem}"
    lines = text.splitlines() if text is not None else []
    if problem.line and 0 < problem.line <= len(lines):
        out += f"\n    {problem.line} | {mask(lines[problem.line - 1]).rstrip()}"
    return out
