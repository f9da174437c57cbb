"""Issue 16, item 3: deploy/ cannot drift from the code or the README unseen.
What the files set is a setting VirtPlan reads, with a value it accepts; what
the README says production needs, the files set; the commands they run are
the CLI's; the image installs the project as pyproject.toml defines it; the
units pass ``systemd-analyze verify``. (test_deploy_runs.py runs them.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from deploy_files import (
    DEPLOY,
    INSTALLED,
    ROOT,
    UNITS,
    VENV_BIN,
    InterpolationError,
    compose,
    compose_deployment,
    compose_text,
    compose_values,
    dockerfile,
    env_file,
    image_entrypoint,
    image_environment,
    required_variables,
    systemd_deployment,
    unit,
)

from planner.cli import main
from planner.cli.server import GRACEFUL_TIMEOUT, MULTIPROC_DIR
from planner.config import ConfigurationError, Settings

#: Variables the files may set that are not VirtPlan's settings, and whose they are.
OTHERS = {
    "POSTGRES_PASSWORD": "the postgres image's (env.example, for compose.yaml)",
    MULTIPROC_DIR: "prometheus_client's metrics folder (planner.cli.server)",
    "PYTHONUNBUFFERED": "Python's",
}


class _Reads(dict):
    """An environment that remembers every variable asked of it."""

    def __init__(self, **given: str):
        super().__init__(given)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


def _settings() -> set[str]:
    """Every VIRTPLAN_ variable Settings.from_env reads."""
    environ = _Reads(VIRTPLAN_ENV="testing")
    Settings.from_env(environ)
    return environ.asked


def _set_by_the_files() -> dict[str, set[str]]:
    """Each file's variables: set for VirtPlan's processes, or given to compose.yaml."""
    document = compose(compose_values())
    return {
        "compose.yaml": {
            key for name in ("migrate", "web", "worker") for key in document["services"][name]["environment"]
        },
        "Dockerfile": set(image_environment()),
        "env.example": set(env_file(DEPLOY / "env.example")),
        "systemd/virtplan.env": set(env_file(DEPLOY / "systemd" / "virtplan.env")),
        **{f"systemd/{name}": set(unit(name).environment()) for name in UNITS},
    }


def _production_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]


def test_every_variable_the_files_set_is_a_setting():
    settings = _settings()
    for file_name, names in _set_by_the_files().items():
        unknown = {name for name in names if name not in settings and name not in OTHERS}
        assert not unknown, f"deploy/{file_name} sets what VirtPlan never reads: {sorted(unknown)}"


@pytest.mark.parametrize("make", [compose_deployment, systemd_deployment], ids=["compose", "systemd"])
def test_the_files_settings_are_accepted(make, tmp_path):
    deployment = make("postgresql://somewhere/virtplan", "redis://127.0.0.1:6379/0", tmp_path)
    for process in (deployment.migrate, deployment.web, deployment.worker):
        settings = Settings.from_env(process.environment)
        assert settings.env == "production" and settings.job_queue == "celery"
        assert settings.ratelimit_storage_url.startswith("redis://")  # sign-ins counted across processes


def test_what_the_readme_says_production_needs_the_files_set():
    section = _production_section()
    shared = re.search(r"\*\*Settings every process shares\*\*.*?(?=\n- )", section, re.S)[0]
    required = set(re.findall(r"VIRTPLAN_[A-Z_]+", shared))
    assert {"VIRTPLAN_DATABASE_URL", "VIRTPLAN_BROKER_URL", "VIRTPLAN_SECRET_KEY"} <= required
    values = dict(re.findall(r"`(VIRTPLAN_[A-Z_]+)=([^`\s]+)`", section))
    assert values, "the README's production section names no VIRTPLAN_X=value"
    composed = compose(compose_values())["services"]
    for name in ("migrate", "web", "worker"):
        given = {key: str(value) for key, value in composed[name]["environment"].items()}
        assert required <= set(given), f"compose.yaml's {name} lacks {sorted(required - set(given))}"
        assert {key: given.get(key) for key in values} == values, f"compose.yaml's {name}"
    for name in UNITS:
        given = unit(name).environment()
        assert required <= set(given), f"{name} lacks {sorted(required - set(given))}"
        assert {key: given.get(key) for key in values} == values, name


def test_compose_takes_its_variables_from_env_example():
    example = env_file(DEPLOY / "env.example")
    used = set(re.findall(r"\$\{([A-Za-z_]\w*)", compose_text()))
    assert used == set(example), "compose.yaml's ${…} and env.example's variables differ"
    # The secrets are left empty: a copy not filled in is refused, never run with a known password.
    assert {"POSTGRES_PASSWORD", "VIRTPLAN_SECRET_KEY"} <= required_variables()
    assert all(example[name] == "" for name in required_variables())
    with pytest.raises(
        InterpolationError, match=re.escape("VIRTPLAN_SECRET_KEY: set VIRTPLAN_SECRET_KEY in deploy/.env")
    ):
        compose({**example, **{name: "x" for name in required_variables() - {"VIRTPLAN_SECRET_KEY"}}})


def _commands() -> dict[str, list[str]]:
    """Every ``virtplan`` command line deploy/ and the README's production section give."""
    services = compose(compose_values())["services"]
    (entrypoint,) = image_entrypoint()
    assert entrypoint == "virtplan"
    (cmd,) = [argument for keyword, argument in dockerfile() if keyword == "CMD"]
    commands = {"Dockerfile CMD": json.loads(cmd)}
    commands |= {f"compose.yaml {name}": services[name]["command"] for name in ("migrate", "web", "worker")}
    for name in UNITS:
        executable, *arguments = unit(name).exec_start()
        assert executable == INSTALLED + "virtplan", f"{name}: {executable}"
        commands[name] = arguments
    block = re.search(r"```sh\n(.*?)```", _production_section(), re.S)[1]
    for number, line in enumerate(block.splitlines()):
        program, *arguments = line.split("#", 1)[0].split()
        assert program == "virtplan"
        commands[f"README line {number + 1}"] = arguments
    return commands


def test_the_commands_are_the_clis():
    for where, arguments in _commands().items():
        result = CliRunner().invoke(main, [*arguments, "--help"])
        assert result.exit_code == 0, f"{where}: virtplan {' '.join(arguments)}: {result.output}"


def test_the_readme_runs_what_the_units_run():
    commands = _commands()
    readme = [commands[f"README line {n}"] for n in (1, 2, 3)]
    assert readme == [commands[name] for name in UNITS]


def test_compose_runs_the_migration_once_before_the_web_and_the_workers():
    services = compose(compose_values())["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"] and services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["command"][0] != "db"
    web = services["web"]
    port = web["command"][web["command"].index("--port") + 1]
    assert web["ports"] == [f"127.0.0.1:{port}:{port}"]  # the host's loopback only: a TLS proxy goes in front
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(web["healthcheck"]["test"])


def test_the_units_run_the_migration_before_the_web_and_the_workers():
    migrate = unit("virtplan-migrate.service")
    assert migrate.value("Service", "Type") == "oneshot" and migrate.value("Service", "RemainAfterExit") == "yes"
    for name in UNITS[1:]:
        service = unit(name)
        for key in ("Requires", "After"):
            assert "virtplan-migrate.service" in " ".join(service.values("Unit", key)).split(), (name, key)


def test_the_units_may_write_where_virtplan_writes():
    """ProtectSystem=strict leaves the file system read-only but for ReadWritePaths= and the
    unit's RuntimeDirectory= (under /run)."""
    for name in UNITS[1:]:
        service = unit(name)
        environment = service.environment()
        writable = [
            *" ".join(service.values("Service", "ReadWritePaths")).split(),
            *(f"/run/{folder}" for folder in service.values("Service", "RuntimeDirectory")),
        ]
        assert service.value("Service", "ProtectSystem") == "strict"
        for key in ("VIRTPLAN_INSTANCE_PATH", MULTIPROC_DIR):
            if key in environment:
                path = environment[key]
                assert any(path == root or path.startswith(root + "/") for root in writable), (name, key, path)


def test_the_image_installs_the_project_as_pyproject_defines_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    instructions = dockerfile()
    (base,) = [argument for keyword, argument in instructions if keyword == "FROM"]
    version = re.match(r"python:(\d+)\.(\d+)", base)
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", project["project"]["requires-python"])
    assert version and minimum and tuple(map(int, version.groups())) >= tuple(map(int, minimum.groups())), base
    # Every package setuptools finds, the README it reads, and pyproject.toml are copied in.
    copied = {
        word.strip("./") for keyword, argument in instructions if keyword == "COPY" for word in argument.split()[:-1]
    }
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"pyproject.toml", project["project"]["readme"]} <= copied
    # pip installs this folder (with extras pyproject.toml names, if any).
    installs = [argument for keyword, argument in instructions if keyword == "RUN" and "pip install" in argument]
    assert len(installs) == 1
    targets = [word for word in installs[0].split("&&")[0].split() if word.startswith(".")]
    assert len(targets) == 1, installs
    extras = re.fullmatch(r"\.(?:\[([\w,-]+)\])?", targets[0].strip("'\""))
    assert extras, targets
    assert set(filter(None, (extras[1] or "").split(","))) <= set(project["project"].get("optional-dependencies", {}))
    # It runs as the user it makes, whose home is VirtPlan's instance folder (the one place it writes).
    user = next(argument for keyword, argument in instructions if keyword == "USER")
    assert re.search(rf"useradd .*--home {image_environment()['VIRTPLAN_INSTANCE_PATH']} .*{user}$", installs[0])
    assert project["project"]["scripts"]["virtplan"] == "planner.cli:main"


def test_the_images_debian_packages_exist():
    """The image is Debian bookworm's; so is this machine, whose apt knows bookworm's packages."""
    if shutil.which("apt-cache") is None:
        pytest.skip("apt-cache is not here to ask about Debian's packages")
    codename = re.search(r"VERSION_CODENAME=(\w+)", Path("/etc/os-release").read_text())
    (base,) = [argument for keyword, argument in dockerfile() if keyword == "FROM"]
    if not codename or not base.endswith(codename[1]):
        pytest.skip(f"this machine is not the image's Debian ({base})")
    run = next(argument for keyword, argument in dockerfile() if keyword == "RUN" and "apt-get install" in argument)
    packages = run.split("--no-install-recommends", 1)[1].split("&&")[0].split()
    assert "graphviz" in packages
    for package in packages:
        found = subprocess.run(["apt-cache", "show", "--no-all-versions", package], capture_output=True, text=True)
        if found.returncode != 0 and "No packages found" not in found.stderr + found.stdout:
            pytest.skip(f"apt-cache cannot answer here: {found.stderr.strip()}")
        assert found.returncode == 0, f"Debian has no package {package}"


def test_systemd_verifies_the_units(tmp_path):
    """The units as systemd reads them, their ExecStart= pointed at this checkout's virtualenv
    (systemd-analyze checks that the program exists)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    probe = tmp_path / "probe.service"
    probe.write_text("[Service]\nExecStart=/bin/true\n")
    tried = subprocess.run([analyze, "verify", "--man=no", str(probe)], capture_output=True, text=True)
    if tried.returncode != 0 or tried.stderr.strip():
        pytest.skip(f"systemd-analyze cannot verify units in this container: {tried.stderr.strip()[:300]}")
    copies = []
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text()
        assert INSTALLED in text
        copy = tmp_path / name.replace("@.", "@1.")
        copy.write_text(text.replace(INSTALLED, f"{VENV_BIN}/"))
        copies.append(str(copy))
    verified = subprocess.run([analyze, "verify", "--man=no", *copies], capture_output=True, text=True)
    # systemd-analyze warns about unknown keys and bad values on stderr and still answers 0.
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


def test_the_systemd_env_file_as_shipped_is_refused():
    """Its secret key is left empty: the units refuse to start until it is set."""
    with pytest.raises(ConfigurationError, match="VIRTPLAN_SECRET_KEY must be set in production"):
        Settings.from_env(unit("virtplan-web.service").environment())


def _seconds(duration: str) -> float:
    """A compose duration (``40s``, ``5m``, ``1m30s``) or a systemd time span (``60``, ``5min``)."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+)\s*([a-z]*)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration.replace(" ", ""), duration
    return sum(int(number) * units[unit] for number, unit in parts)


def test_a_stopped_web_is_given_gunicorns_graceful_time():
    assert _seconds(str(compose(compose_values())["services"]["web"]["stop_grace_period"])) > GRACEFUL_TIMEOUT
    assert _seconds(unit("virtplan-web.service").value("Service", "TimeoutStopSec")) > GRACEFUL_TIMEOUT


def test_compose_stops_virtplan_through_an_init():
    """docker stop's SIGTERM goes to the container's first process: an init hands it to VirtPlan
    alone (as test_deploy_runs.py stops it) and reaps orphans."""
    services = compose(compose_values())["services"]
    assert all(services[name]["init"] is True for name in ("migrate", "web", "worker"))


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = set(map(str.strip, (ROOT / ".dockerignore").read_text().splitlines()))
    assert {"deploy/.env", ".venv", "instance/", ".git"} <= ignored


def test_the_readmes_install_steps_are_the_units():
    section = _production_section()
    home = re.search(r"useradd .*--home (\S+) .*virtplan", section)[1]
    assert home == env_file(DEPLOY / "systemd" / "virtplan.env")["VIRTPLAN_INSTANCE_PATH"]
    assert f"python3 -m venv {INSTALLED.removesuffix('/bin/')}" in section
    assert "deploy/systemd/virtplan.env /etc/virtplan/" in section
    for name in UNITS:
        service = unit(name)
        assert service.values("Service", "EnvironmentFile") == ["/etc/virtplan/virtplan.env"]
        if name != "virtplan-migrate.service":
            assert home in service.value("Service", "ReadWritePaths").split()
            assert name.replace("@.service", "@1") in section or name.removesuffix(".service") in section
