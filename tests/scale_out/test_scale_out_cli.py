"""``virtplan serve --workers`` and ``virtplan worker`` refuse what would keep
shared state in one process's memory, or run on a database not migrated (a
worker never migrates it: ``virtplan db upgrade`` runs once)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from planner.cli import main


@pytest.fixture()
def run(monkeypatch, tmp_path):
    """Run ``virtplan ARGS`` with only these VIRTPLAN_ settings (on an empty SQLite file)."""

    def invoke(*args: str, **env: str):
        for key in ("VIRTPLAN_BROKER_URL", "VIRTPLAN_RATELIMIT_STORAGE_URL", "VIRTPLAN_JOB_QUEUE"):
            monkeypatch.delenv(key, raising=False)
        settings = {
            "VIRTPLAN_ENV": "testing",
            "VIRTPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "VIRTPLAN_INSTANCE_PATH": str(tmp_path),
            **env,
        }
        for key, value in settings.items():
            monkeypatch.setenv(key, value)
        return CliRunner().invoke(main, list(args))

    return invoke


def test_several_web_processes_need_a_broker(run):
    result = run("serve", "--workers", "2")
    assert result.exit_code == 2
    assert "several web processes need VIRTPLAN_BROKER_URL (redis://…) and Celery workers" in result.output


def test_several_web_processes_count_sign_ins_together(run):
    result = run(
        "serve",
        "--workers",
        "2",
        VIRTPLAN_BROKER_URL="redis://127.0.0.1:1/0",
        VIRTPLAN_RATELIMIT_STORAGE_URL="memory://",
    )
    assert result.exit_code == 2
    assert "must count sign-in attempts together: set VIRTPLAN_RATELIMIT_STORAGE_URL=redis://" in result.output


def test_the_access_log_is_gunicorns(run):
    result = run("serve", "--access-log", "-")
    assert result.exit_code == 2 and "--access-log is gunicorn's: use it with --workers 2 or more" in result.output


def test_a_worker_needs_a_broker(run):
    result = run("worker")
    assert result.exit_code == 2 and "virtplan worker needs VIRTPLAN_BROKER_URL" in result.output


def test_a_worker_never_migrates_the_database(run):
    result = run("worker", VIRTPLAN_BROKER_URL="redis://127.0.0.1:1/0")
    assert result.exit_code == 1
    assert "run 'virtplan db upgrade' once, then start the workers" in result.output


def test_waitress_is_one_process(run):
    result = run("serve", "--server", "waitress", "--workers", "2")
    assert result.exit_code == 2 and "waitress is one process: several --workers run gunicorn" in result.output


def test_one_gunicorn_worker_needs_a_broker_too(run):
    result = run("serve", "--server", "gunicorn")
    assert result.exit_code == 2
    assert "several web processes need VIRTPLAN_BROKER_URL (redis://…) and Celery workers" in result.output


def test_serve_says_which_servers_it_runs(run):
    result = run("serve", "--help")
    assert result.exit_code == 0
    assert "--server [waitress|gunicorn]" in result.output and "--server gunicorn --workers 1" in result.output
