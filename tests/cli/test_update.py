"""An update with local edits, simulated with real git repositories (docs/admin.de.md, 1).

The admin edits only files in local/ (created by scripts/init-local.sh, ignored by git),
so `git pull` of a new version that changed the bundled defaults never meets a local
change, and syncsvc keeps reading the admin's files. The same update with an edit in
the tracked config/ is refused by git, which is why the guide no longer asks for that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from syncsvc import config as cfg

REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git fehlt")


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=check,
                          capture_output=True, text=True)


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A project repository with the bundled defaults, as the city's checkout tracks it."""
    root = tmp_path / "upstream"
    root.mkdir()
    for name in ("config", "feeds", "scripts"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / ".gitignore", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "0.1")
    return root


def release(upstream: Path) -> None:
    """A new version that changes the bundled defaults the admin's copies came from."""
    default = upstream / "config" / "syncsvc.toml"
    default.write_text(default.read_text(encoding="utf-8").replace(
        'interval = "30m"', 'interval = "20m"'), encoding="utf-8")
    schedule = upstream / "feeds" / "stadt-idstein.toml"
    schedule.write_text(schedule.read_text(encoding="utf-8") + "\n# neue Hinweise\n",
                        encoding="utf-8")
    git(upstream, "commit", "-q", "-am", "0.2")


def test_update_with_local_edits_keeps_them_and_pulls_cleanly(upstream: Path, tmp_path: Path):
    server = tmp_path / "server"
    git(tmp_path, "clone", "-q", str(upstream), str(server))
    init = subprocess.run(["sh", "scripts/init-local.sh"], cwd=server, check=True,
                          capture_output=True, text=True)
    assert "angelegt: local/syncsvc.toml" in init.stdout
    own = server / "local" / "syncsvc.toml"  # the admin's edits
    own.write_text(own.read_text(encoding="utf-8").replace(
        'name = "WIR in Idstein"', 'name = "WIR in Idstein – Testbetrieb"'), encoding="utf-8")
    schedule = server / "local" / "feeds" / "stadt-idstein.toml"
    schedule.write_text(schedule.read_text(encoding="utf-8") + "\n# eigene Notiz\n",
                        encoding="utf-8")
    assert git(server, "status", "--porcelain").stdout == ""  # local/ is not tracked

    release(upstream)
    pulled = git(server, "pull", "--ff-only", check=False)
    assert pulled.returncode == 0, pulled.stderr
    again = subprocess.run(["sh", "scripts/init-local.sh"], cwd=server, check=True,
                           capture_output=True, text=True)
    assert "bleibt unverändert: local/syncsvc.toml" in again.stdout

    path = cfg.resolve_path(env={}, cwd=server)
    assert path == server / "local" / "syncsvc.toml"
    settings = cfg.load(path)
    assert settings.name == "WIR in Idstein – Testbetrieb"
    assert settings.interval_s == 30 * 60  # the admin's copy, not the new default
    local = [s for s in settings.sources if s.is_local]
    assert local and all(Path(s.url).is_relative_to(server / "local" / "feeds") for s in local)
    assert "# eigene Notiz" in schedule.read_text(encoding="utf-8")


def test_the_same_update_with_an_edit_in_the_tracked_config_is_refused(upstream: Path,
                                                                        tmp_path: Path):
    server = tmp_path / "server"
    git(tmp_path, "clone", "-q", str(upstream), str(server))
    tracked = server / "config" / "syncsvc.toml"
    tracked.write_text(tracked.read_text(encoding="utf-8").replace(
        'interval = "30m"', 'interval = "45m"'), encoding="utf-8")
    release(upstream)
    pulled = git(server, "pull", "--ff-only", check=False)
    assert pulled.returncode != 0 and "overwritten" in pulled.stderr


def test_without_local_copy_the_bundled_default_is_read(tmp_path: Path):
    assert cfg.resolve_path(env={}, cwd=tmp_path) == tmp_path / "config" / "syncsvc.toml"
    assert cfg.resolve_path(env={"SYNCSVC_CONFIG": "x.toml"}, cwd=tmp_path) == Path("x.toml")
