"""The package layout the README's module map promises, checked on the tree itself.

A newcomer finds "where is the code that decides X" from the file list only while these
hold: few top-level modules, one package per stage, modules short enough to read, and
imports that follow the flow (a stage never imports a later one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "syncsvc"
MAX_LINES = 300
# the shared vocabulary first, then the stages in the order data flows, then the top
RANK = {
    "errors": 0, "models": 0, "instants": 0, "logs": 0, "config": 0, "recur": 0,
    "fetch": 1, "parse": 2, "normalize": 3, "guard": 4, "store": 5, "dedupe": 6,
    "publish": 7, "submit": 8, "serve": 9, "service": 10, "cli": 11, "__main__": 12,
}
MODULES = sorted(ROOT.rglob("*.py"))


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0].removesuffix(".py")


def _imported_packages(path: Path, text: str | None = None) -> set[str]:
    """Top-level syncsvc packages ``path`` imports (absolute or relative imports)."""
    here = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if here[-1] == "__init__":
        here[-1] = ""  # a package's relative imports resolve from the package itself
    found = set()
    for node in ast.walk(ast.parse(text if text is not None else path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            target = here[: len(here) - node.level] + (node.module or "").split(".")
        elif (node.module or "").startswith("syncsvc."):
            target = node.module.split(".")  # type: ignore[union-attr]
        else:
            continue
        target = [t for t in target if t]
        if len(target) >= 2:
            found.add(target[1])
        elif target == ["syncsvc"]:
            found |= {a.name for a in node.names}
    return {p for p in found if p in RANK}


def test_at_most_eight_top_level_modules():
    top = sorted(p.name for p in ROOT.glob("*.py"))
    assert len(top) <= 8, top


def test_every_stage_is_a_package():
    for stage in ("fetch", "parse", "normalize", "guard", "store", "dedupe", "publish",
                  "serve", "service", "cli", "config", "recur"):
        assert (ROOT / stage / "__init__.py").is_file(), stage


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_length(path: Path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_from_a_later_stage(path: Path):
    own = _package(path)
    if own not in RANK:  # __init__.py of syncsvc itself
        return
    later = {p for p in _imported_packages(path) if RANK[p] > RANK[own]}
    assert not later, f"{path.relative_to(ROOT)} ({own}) imports later stage(s) {later}"


def test_the_import_check_sees_violations():
    """The checker itself: relative and absolute imports of other packages are found."""
    probe = ROOT / "parse" / "probe.py"  # never written: the text is passed in
    text = "from ..publish import views\nfrom . import ics\nfrom syncsvc.store import Store\n"
    assert _imported_packages(probe, text) == {"parse", "publish", "store"}
    init = ROOT / "dedupe" / "__init__.py"
    found = _imported_packages(init, "from .events import x\nfrom ..serve import y\n")
    assert found == {"dedupe", "serve"}
