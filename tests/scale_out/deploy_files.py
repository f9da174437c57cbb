"""What deploy/ says, read the way its tools read it: Docker Compose's file
with ``${VAR…}`` interpolated from an env file and the image's ENTRYPOINT and
ENV (deploy/Dockerfile); systemd's units with their EnvironmentFile= and
Environment= lines; and the env files. Then the same deployments made
runnable here (``deployment``): only what cannot exist on this machine is
rewritten — the compose services' and example hosts' names become this test's
PostgreSQL database and redis-server, /opt/virtplan this checkout's
virtualenv, /var/lib/virtplan and /run folders of the test's own, the ports
free loopback ones — each rewrite checking first that the file says what it
is expected to."""

from __future__ import annotations

import json
import re
import secrets
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from cluster import free_port
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
#: Where the units say VirtPlan is installed, and this checkout's virtualenv.
INSTALLED = "/opt/virtplan/.venv/bin/"
VENV_BIN = Path(sys.executable).parent


def env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines (an env file of Compose or systemd's EnvironmentFile=), comments skipped."""
    values: dict[str, str] = {}
    for number, line in enumerate(map(str.strip, path.read_text().splitlines()), 1):
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        assert equals and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"{path.name}:{number} is not KEY=value: {line!r}"
        assert not value.startswith(("'", '"')), f"{path.name}:{number}: quotes are read differently by each tool"
        values[key] = value
    return values


# --- Docker Compose -------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_]\w*))")


class InterpolationError(ValueError):
    """What ``docker compose`` refuses to start with: a required variable unset (or empty)."""


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """Compose's interpolation: ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?error}``, ``${VAR?error}`` and ``$$``."""

    def replace(match: re.Match) -> str:
        dollar, name, operator, argument, bare = match.groups()
        if dollar:
            return "$"
        value = values.get(name or bare)
        if operator is None:
            return value or ""
        missing = value is None or (operator.startswith(":") and value == "")
        if operator.endswith("-"):
            return argument if missing else value
        if missing:
            raise InterpolationError(f"{name}: {argument}")
        return value

    done = _VARIABLE.sub(replace, text)
    assert "${" not in done, f"an interpolation this reader does not know: {text!r}"
    return done


def _interpolated(node, values: Mapping[str, str]):
    if isinstance(node, str):
        return interpolate(node, values)
    if isinstance(node, list):
        return [_interpolated(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _interpolated(value, values) for key, value in node.items()}
    return node


def compose_text() -> str:
    return (DEPLOY / "compose.yaml").read_text()


def compose(values: Mapping[str, str]) -> dict:
    """deploy/compose.yaml as ``docker compose --env-file`` with ``values`` sees it."""
    return _interpolated(yaml.safe_load(compose_text()), values)


def required_variables() -> set[str]:
    """The variables compose.yaml refuses to start without (``${VAR:?…}``)."""
    return {match[2] for match in _VARIABLE.finditer(compose_text()) if match[3] and match[3].endswith("?")}


def compose_values() -> dict[str, str]:
    """deploy/env.example with what it says to set (the required, empty secrets) set."""
    values = env_file(DEPLOY / "env.example")
    for name in required_variables():
        values[name] = values.get(name) or secrets.token_hex(32)
    return values


def dockerfile() -> list[tuple[str, str]]:
    """deploy/Dockerfile's instructions (continuation lines joined, comments dropped)."""
    instructions, pending = [], ""
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, argument = pending.strip().partition(" ")
        instructions.append((keyword.upper(), argument.strip()))
        pending = ""
    return instructions


def image_entrypoint() -> list[str]:
    (entrypoint,) = [json.loads(argument) for keyword, argument in dockerfile() if keyword == "ENTRYPOINT"]
    return entrypoint


def image_environment() -> dict[str, str]:
    """The image's ENV (``ENV KEY=value KEY=value`` lines)."""
    environment = {}
    for keyword, argument in dockerfile():
        if keyword == "ENV":
            for word in shlex.split(argument):
                key, equals, value = word.partition("=")
                assert equals, f"ENV {argument!r}: write ENV KEY=value"
                environment[key] = value
    return environment


# --- systemd --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A systemd unit: its (section, key, value) lines in order, specifiers (%i) resolved."""

    name: str
    lines: tuple[tuple[str, str, str], ...]

    def values(self, section: str, key: str) -> list[str]:
        return [value for s, k, value in self.lines if (s, k) == (section, key)]

    def value(self, section: str, key: str) -> str:
        (value,) = self.values(section, key)
        return value

    def environment(self) -> dict[str, str]:
        """What the service's process is given: Environment= lines, then the EnvironmentFile=
        (systemd: the file's settings override Environment='s)."""
        environment = {}
        for line in self.values("Service", "Environment"):
            for word in shlex.split(line):
                key, _, value = word.partition("=")
                environment[key] = value
        for path in self.values("Service", "EnvironmentFile"):
            assert path == "/etc/virtplan/virtplan.env", f"{self.name}: EnvironmentFile={path}"
            environment.update(env_file(SYSTEMD / "virtplan.env"))
        return environment

    def exec_start(self) -> list[str]:
        return shlex.split(self.value("Service", "ExecStart"))


def unit(file_name: str, instance: str = "1") -> Unit:
    """deploy/systemd/``file_name``; a template (``name@.service``) as its ``instance``."""
    lines, section = [], ""
    for line in map(str.strip, (SYSTEMD / file_name).read_text().splitlines()):
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        value = re.sub(r"%(.)", lambda m: {"i": instance, "%": "%"}[m[1]], value.strip())
        lines.append((section, key.strip(), value))
    return Unit(file_name.replace("@.", f"@{instance}."), tuple(lines))


UNITS = ("virtplan-migrate.service", "virtplan-web.service", "virtplan-worker@.service")


# --- the deployments, runnable here ---------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    """One of a deployment's processes: its command and environment, as the file gives them."""

    command: list[str]
    environment: dict[str, str]
    #: Whether stopping it sends SIGTERM to every process of the service (systemd's default,
    #: KillMode=control-group) or to its main process alone (``docker stop``; KillMode=mixed).
    stop_signals_every_process: bool = False


@dataclass(frozen=True)
class Deployment:
    migrate: Process
    web: Process
    worker: Process
    web_port: int
    web_workers: int
    #: Compose's healthcheck of the web (run in the web's environment), if the file has one.
    healthcheck: Process | None
    #: Where the worker serves its metrics, if its command says so.
    worker_metrics_port: int | None


def _option(command: list[str], option: str) -> str | None:
    return command[command.index(option) + 1] if option in command else None


def _rewritten(command: list[str], option: str, value: str) -> list[str]:
    index = command.index(option) + 1
    return [*command[:index], value, *command[index + 1 :]]


def _loopback(command: list[str]) -> tuple[list[str], int | None]:
    """``command`` on a free port of 127.0.0.1 instead of its host and port; the port."""
    if "--host" in command:
        assert _option(command, "--host") in ("0.0.0.0", "127.0.0.1"), command  # noqa: S104
        command = _rewritten(command, "--host", "127.0.0.1")
    port = None
    for option in ("--port", "--metrics-port"):
        if option in command:
            port = free_port()
            command = _rewritten(command, option, str(port))
    return command, port


def _here(environment: dict[str, str], database_url: str, broker_url: str, folder: Path, hosts: dict) -> dict:
    """The settings' hosts and paths that exist only in production, as this machine has them."""
    given = dict(environment)
    database = make_url(given["VIRTPLAN_DATABASE_URL"])
    assert database.drivername.startswith("postgresql") and database.host == hosts["database"], database
    given["VIRTPLAN_DATABASE_URL"] = database_url
    broker = urlsplit(given["VIRTPLAN_BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", hosts["redis"], 6379), broker
    given["VIRTPLAN_BROKER_URL"] = broker._replace(netloc=urlsplit(broker_url).netloc).geturl()
    for key, value in given.items():
        if value.startswith("/var/lib/virtplan"):
            given[key] = str(folder / "var-lib-virtplan") + value.removeprefix("/var/lib/virtplan")
        elif value.startswith("/run/"):
            given[key] = str(folder / "run") + value.removeprefix("/run")
    return {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(folder / "home"),
        "LANG": "C.UTF-8",
        **given,
    }


def compose_deployment(database_url: str, broker_url: str, folder: Path) -> Deployment:
    """deploy/compose.yaml's migrate, web and worker services (with deploy/env.example's values)."""
    values = compose_values()
    document = compose(values)
    services = document["services"]
    postgres = services["postgres"]["environment"]
    url = make_url(services["web"]["environment"]["VIRTPLAN_DATABASE_URL"])
    assert (url.username, url.password, url.database) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    ), "VIRTPLAN_DATABASE_URL names another role, password or database than the postgres service makes"
    (entrypoint,) = image_entrypoint()
    hosts = {"database": "postgres", "redis": "redis"}
    processes, ports = {}, {}
    for name in ("migrate", "web", "worker"):
        service = services[name]
        environment = {**image_environment(), **{key: str(value) for key, value in service["environment"].items()}}
        command, ports[name] = _loopback([str(VENV_BIN / entrypoint), *service["command"]])
        processes[name] = Process(command, _here(environment, database_url, broker_url, folder, hosts))
    check = services["web"]["healthcheck"]["test"]
    assert check[:2] == ["CMD", "python"], check
    port = ports["web"]
    container_port = _option(services["web"]["command"], "--port")
    healthcheck = Process(
        [sys.executable, *(word.replace(f":{container_port}/", f":{port}/") for word in check[2:])],
        processes["web"].environment,
    )
    return Deployment(
        processes["migrate"],
        processes["web"],
        processes["worker"],
        port,
        int(_option(processes["web"].command, "--workers") or 1),
        healthcheck,
        ports["worker"],
    )


def systemd_deployment(database_url: str, broker_url: str, folder: Path) -> Deployment:
    """deploy/systemd's migrate, web and worker@1 units (with virtplan.env, its secret set)."""
    hosts = {"database": "db.internal", "redis": "redis.internal"}
    processes, ports = {}, {}
    for name, file_name in zip(("migrate", "web", "worker"), UNITS, strict=True):
        service = unit(file_name)
        environment = service.environment()
        environment["VIRTPLAN_SECRET_KEY"] = environment["VIRTPLAN_SECRET_KEY"] or secrets.token_hex(32)
        command = service.exec_start()
        assert command[0].startswith(INSTALLED), command
        command, ports[name] = _loopback([str(VENV_BIN / command[0].removeprefix(INSTALLED)), *command[1:]])
        kill_mode = (service.values("Service", "KillMode") or ["control-group"])[-1]
        environment = _here(environment, database_url, broker_url, folder, hosts)
        processes[name] = Process(command, environment, kill_mode == "control-group")
    return Deployment(
        processes["migrate"],
        processes["web"],
        processes["worker"],
        ports["web"],
        int(_option(processes["web"].command, "--workers") or 1),
        None,
        ports["worker"],
    )
