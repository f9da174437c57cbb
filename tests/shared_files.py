"""Files beside the repository in ``../shared`` (the contracts, sample exports, the
OSCAL schema) that some tests read, never copied into the project.

Where ``../shared`` is absent those tests skip and say why. CI has it, so
``.ci/run`` sets ``VIRTPLAN_TEST_REQUIRE_SHARED=1``: a file that is missing then
fails its test instead of skipping it, and a green CI run cannot hide a test
that never ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REQUIRED = os.environ.get("VIRTPLAN_TEST_REQUIRE_SHARED") == "1"


def shared_file(relative: str) -> Path:
    """``../shared/<relative>``; skips the test when it is absent (fails it when CI requires it)."""
    path = SHARED / relative
    if not path.is_file():
        message = f"{path} is absent (../shared is not beside the repository)"
        if REQUIRED:
            pytest.fail(f"{message}, and VIRTPLAN_TEST_REQUIRE_SHARED=1 says it must be there", pytrace=False)
        pytest.skip(message)
    return path
