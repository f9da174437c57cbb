"""Rendering is safe on client data: WeasyPrint fetches nothing but our own
assets, and a render that runs too long or too big fails with a clear error."""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from report_estates import hostile_document

import reports
from reports.pdf import AssetFetcher, AssetRefused, html_to_pdf


def test_fetcher_serves_only_embedded_assets(trap):
    fetcher = AssetFetcher()
    assert b"@page" in fetcher.fetch("virtplan-asset:print.css").read()
    for url in (
        "file:///etc/passwd",
        trap.url("x.css"),
        "https://example.com/",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x",
        "virtplan-asset:../pdf.py",
        "virtplan-asset:missing.css",
        "virtplan-asset:/etc/passwd",
    ):
        with pytest.raises(AssetRefused):
            fetcher.fetch(url)
    assert trap.requests == []


def test_markup_that_slipped_through_fetches_nothing(trap):
    """Even raw HTML with foreign URLs (a template bug) makes no request and reads no file."""
    html = f"""<html><head>
    <link rel="stylesheet" href="{trap.url("a.css")}">
    <style>@import url("{trap.url("b.css")}"); body {{ background: url("{trap.url("c.png")}") }}
    @font-face {{ font-family: x; src: url("{trap.url("f.woff")}") }}</style></head>
    <body><img src="file:///etc/passwd"><img src="{trap.url("d.png")}">
    <object data="file:///etc/hostname"></object>
    <svg xmlns="http://www.w3.org/2000/svg"><image href="{trap.url("e.png")}" width="9" height="9"/></svg>
    <p style="font-family: x">text</p></body></html>"""
    fetcher = AssetFetcher()
    pdf = html_to_pdf(html, fetcher)
    assert trap.requests == []
    assert any(u.startswith("file:") for u in fetcher.refused)
    assert any(u.startswith("http:") for u in fetcher.refused)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "root:" not in text


def test_isolated_render_equals_in_process_render(hostile_plan):
    assert reports.render_isolated(hostile_plan, "csv", timeout=60) == reports.render(hostile_plan, "csv")


def test_time_limit_stops_the_render_with_a_clear_error(hostile_plan):
    # 10 ms: less than any machine needs to start the child's interpreter, let alone lay out pages.
    with pytest.raises(reports.RenderTimeout, match=r"longer than 0\.01 s"):
        reports.render_isolated(hostile_plan, "pdf", timeout=0.01)


def test_memory_limit_fails_with_a_clear_error(hostile_plan):
    """A limit below what the loaded renderer already takes fails at once, every time, with the figures.

    (The loaded PDF renderer's address space is about 80 MiB since OR-Tools, and pandas with
    it, is imported only when the placement advisor needs its exact solver.)"""
    with pytest.raises(
        reports.RenderMemoryError,
        match=r"^rendering exceeded the memory limit of 40 MiB: the renderer takes \d+ MiB before it starts$",
    ):
        reports.render_isolated(hostile_plan, "pdf", timeout=600, memory_mb=40)


def test_generate_describes_what_it_rendered(hostile_plan):
    import hashlib

    out = reports.generate(hostile_plan, "json", isolated=False)
    assert out.media_type == "application/json"
    assert out.filename == "Payroll-i-platform-i-v2.1.json"
    assert out.sha256 == hashlib.sha256(out.content).hexdigest()
    with pytest.raises(ValueError, match="unknown report format"):
        reports.render(hostile_plan, "docx")


# --------------------------------------------------------------------------- CLI


def test_cli_writes_the_requested_format(tmp_path, trap):
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(hostile_document(trap)))
    out = tmp_path / "plan.csv"
    from click.testing import CliRunner

    from planner.cli import main

    result = CliRunner().invoke(main, ["report", str(inventory), "-o", str(out), "--name", "Estate A"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().decode("utf-8-sig").startswith("ref,risk,")
    result = CliRunner().invoke(
        main, ["report", str(inventory), "-o", str(tmp_path / "p.json"), "--format", "oscal", "--organization", "Org"]
    )
    assert result.exit_code == 0, result.output
    assert "system-security-plan" in json.loads((tmp_path / "p.json").read_text())


def test_cli_rejects_invalid_inventory_with_exit_2(tmp_path):
    from click.testing import CliRunner

    from planner.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"schema": "virtplan.inventory/v1", "vms": [{"id": "v", "host": "nope", "vcpus": 1, "memory_gib": 1}]}
        )
    )
    result = CliRunner().invoke(main, ["report", str(bad), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert "vms[0].host" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_cli_rejects_invalid_answers_with_exit_2(tmp_path, trap):
    from click.testing import CliRunner

    from planner.cli import main

    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(hostile_document(trap)))
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers: 5\n")
    result = CliRunner().invoke(
        main, ["report", str(inventory), "--answers", str(answers), "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 2
    assert "answers" in result.output


def test_cli_takes_answers_into_the_plan(tmp_path, trap):
    import yaml
    from click.testing import CliRunner
    from report_estates import hostile_answers

    from planner.cli import main

    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(hostile_document(trap)))
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"answers": hostile_answers(trap)}))
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["report", str(inventory), "--answers", str(answers), "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["plan"]["name"] == "Payroll <i>platform</i>"
    assert doc["identification"]["system_owner"] == "Jane Owner"
    assert doc["plan"]["marking"] == "CONFIDENTIAL // TEST"
