"""The security plan is accessible: the HTML report passes axe-core's WCAG
checks in headless Chromium; the PDF is tagged PDF/UA-1 (read back with pypdf:
marked, a structure tree, language, title shown as the window title,
alternative text on every figure, headings in order), and passes veraPDF's
PDF/UA-1 profile where veraPDF is installed."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import subprocess

import pypdf
import pytest
from web_site import CHROMIUM

import reports
from planner.core.assessment import assessment
from planner.core.inventory import load_estate
from planner.core.questionnaire import default_questionnaire, read_answers
from planner.demo import answers_path, estate_document

GENERATED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_report() -> reports.PlanReport:
    q = default_questionnaire()
    assessed = assessment(load_estate(estate_document()), read_answers(str(answers_path())), q, "demo")
    return reports.PlanReport("Datacenter consolidation 2027", "Harbor Logistics A/S", assessed, generated=GENERATED)


@pytest.fixture(scope="module")
def demo_pdf(demo_report) -> bytes:
    return reports.render(demo_report, "pdf")


def _structure(node, out: list) -> list:
    """Every structure element under ``node``, depth first (reading order): (role, element)."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.DictionaryObject):
        if node.get("/Type") == "/StructElem":
            out.append((str(node["/S"]), node))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, pypdf.generic.ArrayObject) else [kids]:
                _structure(kid, out)
    return out


def test_pdf_is_tagged_pdf_ua_1_with_language_title_and_alt_text(demo_pdf, demo_report):
    reader = pypdf.PdfReader(io.BytesIO(demo_pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata["/Title"] == f"{demo_report.name} — security plan"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part[^0-9]*1", xmp), "no PDF/UA-1 identification in the XMP metadata"
    elements = _structure(root["/StructTreeRoot"], [])
    figures = [e for role, e in elements if role == "/Figure"]
    assert figures, "the diagram and the heat map are figures"
    for figure in figures:
        assert str(figure.get("/Alt", "")).strip(), "a figure without alternative text"
    alts = " ".join(str(f["/Alt"]) for f in figures)
    assert "Architecture diagram of 6 trust zones" in alts and "Risk heat map" in alts
    # Headings in order: never more than one level deeper than the one before.
    levels = [int(role[2]) for role, _e in elements if re.fullmatch(r"/H[1-6]", role)]
    assert levels[0] == 1
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert jumps == []


@pytest.mark.skipif(not shutil.which("verapdf"), reason="veraPDF is not installed (optional: its PDF/UA-1 profile)")
def test_pdf_passes_verapdf_pdf_ua_1(demo_pdf, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(demo_pdf)
    done = subprocess.run(
        [shutil.which("verapdf"), "--flavour", "ua1", "--format", "text", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "PASS" in done.stdout.splitlines()[0], done.stdout[-3000:]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (.ci/run installs Debian's)")
def test_html_report_passes_axe_core_wcag_checks(demo_report, browser, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    path = tmp_path / "plan.html"
    path.write_bytes(reports.render(demo_report, "html"))
    page = browser.new_page()
    page.goto(path.as_uri())
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
    page.close()
    violations = results.response["violations"]
    assert violations == [], results.generate_report()
