"""What the browser tests share: where Chromium is, and the site's users."""

from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("VIRTPLAN_TEST_CHROMIUM") or shutil.which("chromium")
PASSWORD = "a long enough password"
HOSTILE = '<img src=x onerror="window.__pwned=1">Payroll & <b>HR</b>'


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the form, as a person would, and wait for the plans list."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
