"""Same input, same bytes — across processes. Each command runs twice, in two
interpreters with different ``PYTHONHASHSEED`` (so set and dict-of-set orders
differ), and the outputs must be identical: an order that depends on hashing
would pass any test that compares two renders made in one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "planner" / "demo" / "estate.json"
ANSWERS = ROOT / "planner" / "demo" / "answers.yaml"
SEEDS = ("1", "4242")
#: A fixed generation date (2026-11-02 09:00 UTC) for the plan's cover and the files' metadata.
EPOCH = "1793610000"


def outputs_under_two_seeds(tmp_path: Path, *args: str, output: str | None = None) -> list[bytes]:
    """Run ``virtplan *args`` once per seed, both at once; return what each wrote (stdout, or ``output``)."""
    runs = []
    for seed in SEEDS:
        where = tmp_path / f"seed-{seed}"
        where.mkdir()
        command = [sys.executable, "-m", "planner", *args]
        if output is not None:
            command += ["-o", str(where / output)]
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": EPOCH}
        runs.append((where, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)))
    results = []
    for where, process in runs:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr.decode()
        results.append((where / output).read_bytes() if output is not None else stdout)
    assert results[0], "the command wrote nothing"
    return results


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", str(ESTATE), "--answers", str(ANSWERS), "--format", "json"),
        ("graph", str(ESTATE), "--format", "graphml"),
    ],
    ids=["analyze", "graph"],
)
def test_json_commands_print_the_same_bytes_under_any_hash_seed(tmp_path, args):
    first, second = outputs_under_two_seeds(tmp_path, *args)
    assert first == second


@pytest.mark.slow
@pytest.mark.parametrize("name", ["plan.pdf", "plan.json", "plan.xlsx", "plan.oscal.json"])
def test_report_files_are_the_same_bytes_under_any_hash_seed(tmp_path, name):
    """The JSON plan holds the findings with the answers applied and the placement advice too."""
    first, second = outputs_under_two_seeds(tmp_path, "report", str(ESTATE), "--answers", str(ANSWERS), output=name)
    assert first == second
    if name == "plan.json":
        assert b'"generated": "2026-11-02T09:00:00+00:00"' in first  # SOURCE_DATE_EPOCH, not the clock


def test_source_date_epoch_must_be_a_number(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}
    bad = subprocess.run(
        [sys.executable, "-m", "planner", "report", str(ESTATE), "-o", str(tmp_path / "x.csv")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and not (tmp_path / "x.csv").exists()
    assert bad.stderr.strip() == (
        "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, not 'yesterday'"
    )
