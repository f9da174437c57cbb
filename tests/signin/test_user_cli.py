"""``virtplan user set-password|disable|enable``, run as an administrator
would: each (but enable) ends the user's signed-in sessions at once."""

from __future__ import annotations

import os
import subprocess
import sys

from signin_client import sign_in, signed_in


def virtplan(database_url: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "VIRTPLAN_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "planner", *args], capture_output=True, text=True, input=input, env=env, timeout=120
    )


def test_an_administrator_resets_a_password_and_disables_a_user(app, database_url, account):
    client = app.test_client()
    sign_in(client, account.username)
    short = virtplan(database_url, "user", "set-password", account.username, input="short\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    assert signed_in(client)  # a refused reset changes nothing

    reset = virtplan(database_url, "user", "set-password", account.username, input="reset by the admin team\n")
    assert reset.returncode == 0, reset.stderr
    assert not signed_in(client)
    assert sign_in(client, account.username, "reset by the admin team").status_code == 302

    disabled = virtplan(database_url, "user", "disable", account.username)
    assert disabled.returncode == 0 and "sessions have ended and 0 API tokens they issued revoked" in disabled.stderr
    assert not signed_in(client)
    assert sign_in(client, account.username, "reset by the admin team").status_code == 401
    assert virtplan(database_url, "user", "enable", account.username).returncode == 0
    assert sign_in(client, account.username, "reset by the admin team").status_code == 302

    unknown = virtplan(database_url, "user", "disable", "nobody-by-this-name")
    assert unknown.returncode == 2 and "no user named 'nobody-by-this-name'" in unknown.stderr
