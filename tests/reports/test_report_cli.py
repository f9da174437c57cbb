"""``virtplan report`` writing the plan a consultant reads, in the formats people open
(PDF, HTML, XLSX), to a file or to standard output (``-o -``), each read back."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from plan_pdf import pages_of

from planner.cli import main
from planner.demo import answers_path, estate_document
from reports.register import COLUMNS


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "estate.json"
    path.write_text(json.dumps(estate_document()), encoding="utf-8")
    return path


def report(*args: str):
    result = CliRunner().invoke(main, ["report", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_pdf_to_standard_output(inventory):
    result = report(str(inventory), "--answers", str(answers_path()), "--name", "Harbor DC", "-o", "-")
    data = result.stdout_bytes
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = pages_of(data)
    assert len(pages) > 5 and "Harbor DC" in pages[0]
    assert result.stderr == ""  # nothing but the document on the way to a pipe


def test_csv_to_standard_output(inventory):
    result = report(str(inventory), "--format", "csv", "-o", "-")
    header, *rows = csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig")))
    assert header == list(COLUMNS) and rows
    assert all(len(row) == len(COLUMNS) for row in rows)
    assert len({row[0] for row in rows}) == len(rows)  # one line per finding, each with its own ref


def test_html_and_xlsx_files_hold_the_same_plan(inventory, tmp_path):
    html_path, xlsx_path = tmp_path / "plan.html", tmp_path / "plan.xlsx"
    made = report(str(inventory), "--name", "Harbor DC", "--organization", "Harbor Logistics", "-o", str(html_path))
    html = html_path.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>") and "Harbor DC" in html and "Harbor Logistics" in html
    findings = int(re.search(r"html security plan, (\d+) findings", made.stderr).group(1))

    made = report(str(inventory), "--name", "Harbor DC", "-o", str(xlsx_path))
    assert made.stderr.startswith(f"{xlsx_path}: xlsx security plan, {findings} findings, ")
    workbook = load_workbook(io.BytesIO(xlsx_path.read_bytes()))
    register = list(workbook["Register"].iter_rows(values_only=True))
    assert list(register[0]) == list(COLUMNS) and len(register) == findings + 1
    summary = dict(workbook["Summary"].iter_rows(values_only=True))
    assert (summary["plan"], summary["findings"]) == ("Harbor DC", str(findings))
