"""The PDF security plan, read back with pypdf: sections in order, page
numbers that tell the truth, figures that agree, hostile text shown as text."""

from __future__ import annotations

import io
import re
from collections import Counter

import pypdf
import pytest
from plan_pdf import chapter_text, defects, heading_page, heatmap_total, register_ratings, squash, summary_counts
from report_estates import FILE_IMG, hostile_strings

import reports
from planner.core.questionnaire import default_questionnaire
from reports.contents import build
from reports.html import render_html, sections


@pytest.fixture(scope="module")
def pdf_bytes(hostile_plan):
    return reports.render(hostile_plan, "pdf")


@pytest.fixture(scope="module")
def pages(pdf_bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return [p.extract_text() for p in reader.pages]


def test_sections_present_in_reading_order(pages, hostile_plan):
    titles = [f"{s['number']} {s['title']}".strip() for s in sections(build(hostile_plan))]
    assert titles[0] == "1 Executive summary" and titles[-1] == "Sign-off"
    found = [heading_page(pages, t) for t in titles]
    assert found == sorted(found)
    assert "Contents" in pages[1]


def test_table_of_contents_page_numbers_match_the_headings(pages, hostile_plan):
    toc = pages[1]
    for s in sections(build(hostile_plan)):
        title = f"{s['number']} {s['title']}".strip()
        m = re.search(re.escape(s["title"]) + r"[ .]*?(\d+)\s*$", toc, re.MULTILINE)
        assert m, f"{title} missing from the table of contents"
        assert int(m.group(1)) == heading_page(pages, title), title


def test_every_page_after_the_cover_says_page_x_of_y_name_and_marking(pages):
    total = len(pages)
    for number, text in enumerate(pages[1:], 2):
        assert f"Page {number} of {total}" in text
        assert "CONFIDENTIAL // TEST" in text
        assert squash("Payroll <i>platform</i>") in squash(text)


def test_cover_names_plan_organization_version_date_marking_and_author(pages):
    cover = pages[0]
    for text in (
        "Payroll <i>platform</i>",
        "Example & <Org>",
        "2.1",
        "02 November 2026",
        "CONFIDENTIAL // TEST",
        "Sam Consultant",
    ):
        assert squash(text) in squash(cover), text


def test_summary_counts_equal_the_register(pages, hostile_plan):
    counts = summary_counts(pages)
    assert counts.pop("total") == sum(counts.values()) == len(hostile_plan.findings)
    assert register_ratings(pages) == Counter({k: v for k, v in counts.items() if v})
    assert heatmap_total(pages) == len(hostile_plan.findings)
    refs = set(re.findall(r"R-\d{3}", chapter_text(pages, "6 Risk register")))
    assert len(refs) == len(hostile_plan.findings)


def test_no_template_leftovers_none_wrong_plurals_or_broken_ids(pages, hostile_plan):
    q = hostile_plan.questionnaire or default_questionnaire()
    assert defects(pages, set(q.questions)) == []


def test_hostile_text_is_printed_literally(pages, hostile_plan, trap):
    everything = squash(" ".join(pages))
    s = hostile_strings(trap)
    for key in ("host_name", "vm_name", "vm_id", "zone_name", "system_name", "description", "comment"):
        assert squash(s[key]) in everything, key
    # The diagram prints labels in full, as text.
    assert squash(s["network_name"]) in everything
    assert squash(FILE_IMG) in everything
    assert trap.requests == []


def test_triage_and_justification_are_in_the_register(pages, trap):
    everything = squash(" ".join(pages))
    assert squash("accepted — " + hostile_strings(trap)["justification"]) in everything


def test_fips199_high_water_mark_and_identification(pages):
    ident = " ".join(
        pages[heading_page(pages, "2 System identification") - 1 : heading_page(pages, "3 Architecture") - 1]
    )
    assert "High-water mark high" in ident
    for text in ("Jane Owner", "Alex Official", "Under development", "General support system", "Payment gateway (TLS)"):
        assert text in ident


def test_html_escapes_markup_and_contains_no_foreign_urls(hostile_plan, trap):
    html = reports.render(hostile_plan, "html").decode()
    assert "<script>" not in html and "<iframe" not in html
    assert '<img src="file:' not in html and "<img" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    print_html = render_html(build(hostile_plan), "print")
    # Only our own assets are linked; the trap's URLs appear only as escaped text.
    assert re.findall(r'<[a-z]+ [^<>]*\b(?:href|src)="([^"]+)"', print_html) == [
        "virtplan-asset:report.css",
        "virtplan-asset:print.css",
        *[f"#{s['id']}" for s in sections(build(hostile_plan))],
    ]


def test_pdf_metadata_is_deterministic(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert reader.metadata["/CreationDate"].startswith("D:20261102093000")
    assert reader.metadata["/Title"] == "Payroll <i>platform</i> — security plan"


def test_same_plan_renders_to_the_same_bytes(pdf_bytes, hostile_plan):
    assert reports.render(hostile_plan, "pdf") == pdf_bytes
