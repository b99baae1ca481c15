"""docker-compose.yml against the Compose specification's JSON schema, and against the config.

Docker does not run here; these checks catch what breaks a deployment silently: a config
file that is not mounted, a port that differs between config, compose and HEALTHCHECK, a
database outside the volume, a source file outside the mounted feeds folder.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path, PurePosixPath

import jsonschema
import pytest
import yaml

from syncsvc import config as cfg
from syncsvc.serve.admin import is_loopback

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "tests" / "data" / "compose" / "compose-spec.json"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Path:
    """What an admin has on the server: a checkout plus local/ from scripts/init-local.sh
    (docker-compose.yml mounts local/, which git ignores)."""
    root = tmp_path_factory.mktemp("checkout")
    for name in ("config", "feeds", "deploy", "scripts"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "docker-compose.yml", root)
    subprocess.run(["sh", str(root / "scripts" / "init-local.sh")], check=True,
                   capture_output=True)
    return root


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def svc(compose: dict) -> dict:
    return compose["services"]["syncsvc"]


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """Dockerfile instructions, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"^\s*#.*\n", "", text, flags=re.M).replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


def binds(service: dict) -> dict[str, tuple[str, bool]]:
    """container target → (source, read_only) for the service's short-syntax volumes."""
    out = {}
    for spec in service.get("volumes", []):
        parts = spec.split(":")
        out[parts[1]] = (parts[0], len(parts) > 2 and "ro" in parts[2].split(","))
    return out


def host_path(container: PurePosixPath, service: dict, root: Path = REPO) -> Path | None:
    """The host file behind a container path, through the service's bind mounts."""
    for target, (source, _) in binds(service).items():
        if container.is_relative_to(target) and source.startswith("."):
            return root / source / container.relative_to(target)
    return None


def container_config(svc: dict) -> PurePosixPath:
    return PurePosixPath(svc["environment"]["SYNCSVC_CONFIG"])


def raw_config(svc: dict, root: Path) -> dict:
    path = host_path(container_config(svc), svc, root)
    return tomllib.loads(path.read_text(encoding="utf-8"))


def resolve(base: PurePosixPath, value: str) -> PurePosixPath:
    """Join and normalise like Path.resolve() would inside the container (no symlinks)."""
    parts: list[str] = []
    for part in (base / value).parts[1:]:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath("/", *parts)


# --- the schema ------------------------------------------------------------------------

def test_compose_file_matches_the_specification(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator.check_schema(schema)
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_the_schema_rejects_a_broken_compose_file(compose: dict) -> None:
    validator = jsonschema.Draft201909Validator(
        json.loads(SCHEMA.read_text(encoding="utf-8")))
    broken = {**compose, "services": {"syncsvc": {**compose["services"]["syncsvc"],
                                                  "restart_policy": "always",
                                                  "ports": "8080:8080"}}}
    assert len(list(validator.iter_errors(broken))) >= 2


# --- compose ↔ config ------------------------------------------------------------------

def test_config_file_is_mounted_read_only_and_loads(svc: dict, deployed: Path) -> None:
    mounts = binds(svc)
    config = container_config(svc)
    assert any(config.is_relative_to(t) and ro for t, (_, ro) in mounts.items())
    host = host_path(config, svc, deployed)
    assert host is not None and host.is_file(), config
    settings = cfg.load(host)  # raises ConfigError on any problem
    assert not is_loopback(settings.bind), "the container must listen beyond loopback"
    assert raw_config(svc, deployed)["service"].get("admin_token_env") in svc["environment"]


def test_published_port_matches_config(svc: dict, deployed: Path) -> None:
    port = cfg.load(host_path(container_config(svc), svc, deployed)).port
    published = [p.split(":")[-2:] for p in svc["ports"]]
    assert [(h, c) for h, c in published if c == str(port)], (published, port)


def test_published_port_can_be_kept_off_the_network(svc: dict) -> None:
    """Behind Caddy, SYNCSVC_PUBLISH=127.0.0.1 keeps 8080 (and /metrics) off the network."""
    for spec in svc["ports"]:
        address = spec.rsplit(":", 2)[0]
        assert address == "${SYNCSVC_PUBLISH:-0.0.0.0}", spec


def test_volume_holds_database_and_outputs(compose: dict, svc: dict, deployed: Path) -> None:
    service = raw_config(svc, deployed)["service"]
    base = container_config(svc).parent
    named = {t: s for t, (s, _) in binds(svc).items() if not s.startswith((".", "/"))}
    assert named and all(s in compose["volumes"] for s in named.values())
    for key in ("database", "output_dir"):
        where = resolve(base, service[key])
        assert any(where.is_relative_to(t) for t in named), (key, where)
        assert not any(where.is_relative_to(t) for t, (_, ro) in binds(svc).items() if ro)


def test_local_sources_lie_in_the_mounted_feeds(svc: dict, deployed: Path) -> None:
    raw = raw_config(svc, deployed)
    base = container_config(svc).parent
    local = [s["url"] for s in raw["sources"] if not s["url"].startswith(("http:", "https:"))]
    assert local
    for url in local + [raw["service"]["school_holidays"]]:
        where = resolve(base, url)
        host = host_path(where, svc, deployed)
        assert host is not None and host.is_file(), (url, where)
        mount = [ro for t, (_, ro) in binds(svc).items() if where.is_relative_to(t)]
        assert mount == [True], f"{where} is not on one read-only mount"


def test_docker_config_differs_from_default_only_in_service(svc: dict, deployed: Path) -> None:
    docker = raw_config(svc, deployed)
    local = deployed / "local" / "syncsvc.toml"
    default = tomllib.loads(local.read_text(encoding="utf-8"))
    assert docker.get("sources") == default.get("sources")
    assert docker.get("dedupe") == default.get("dedupe")


def test_restart_logging_healthcheck(compose: dict, svc: dict, deployed: Path) -> None:
    port = cfg.load(host_path(container_config(svc), svc, deployed)).port
    for name, service in compose["services"].items():
        assert service["restart"] == "unless-stopped", name
        assert service["logging"]["driver"] == "json-file", name
        assert {"max-size", "max-file"} <= set(service["logging"]["options"]), name
    test = " ".join(svc["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/healthz" in test


# --- Dockerfile ------------------------------------------------------------------------

def test_dockerfile_healthcheck_port_user_and_cmd(dockerfile: list[str], svc: dict,
                                                  deployed: Path) -> None:
    port = cfg.load(host_path(container_config(svc), svc, deployed)).port
    last = {line.split()[0].upper(): line for line in dockerfile}  # the last one counts
    assert dockerfile[0] == "FROM python:3.11-slim"
    assert f"http://127.0.0.1:{port}/healthz" in last["HEALTHCHECK"]
    assert last["EXPOSE"] == f"EXPOSE {port}"
    user = last["USER"].split()[1]
    assert user not in ("root", "0")
    assert any("pip install ." in line for line in dockerfile if line.startswith("RUN"))
    assert json.loads(last["CMD"].removeprefix("CMD "))[:2] == ["syncsvc", "run"]
    env = dict(pair for line in dockerfile if line.startswith("ENV ")
               for pair in re.findall(r"(\w+)=(\S+)", line))
    # without compose (plain `docker run`) the bundled default the image carries applies
    bundled = PurePosixPath(env["SYNCSVC_CONFIG"])
    assert bundled.is_relative_to("/app/config") and (REPO / "config" / bundled.name).is_file()
    assert container_config(svc).name == bundled.name


def test_dockerignore_keeps_what_the_dockerfile_copies(dockerfile: list[str]) -> None:
    ignored = [p.strip() for p in (REPO / ".dockerignore").read_text().splitlines()
               if p.strip() and not p.startswith("#")]
    copies = [shlex.split(line)[1:-1] for line in dockerfile if line.startswith("COPY")]
    for source in (s for group in copies for s in group):
        assert (REPO / source).exists(), source
        assert not any(fnmatch.fnmatch(source, p) for p in ignored), source
    for heavy in (".venv", ".git", "var", "public", "tests"):
        assert heavy in ignored


# --- reverse proxy ---------------------------------------------------------------------

def test_proxy_profile_points_at_the_service(compose: dict, svc: dict, deployed: Path) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["profiles"] == ["proxy"]
    assert proxy["image"].startswith("caddy:")
    caddyfile = host_path(PurePosixPath("/etc/caddy/Caddyfile"), proxy)
    assert caddyfile is not None and caddyfile.is_file()
    text = caddyfile.read_text(encoding="utf-8")
    port = cfg.load(host_path(container_config(svc), svc, deployed)).port
    assert re.search(rf"^\s*reverse_proxy\s+syncsvc:{port}\s*$", text, re.M)
    assert "example.org" in text  # placeholder domain: Caddy gets TLS for a real one
    assert {"80:80", "443:443"} <= set(proxy["ports"])


def test_the_proxy_profile_is_a_trusted_proxy(compose: dict, svc: dict, deployed: Path) -> None:
    """Behind Caddy the admin lockout counts per client: the config trusts X-Forwarded-For
    from the compose service "proxy" (and from nothing else)."""
    assert "proxy" in compose["services"]
    settings = cfg.load(host_path(container_config(svc), svc, deployed))
    assert settings.trusted_proxies == ("proxy",)
