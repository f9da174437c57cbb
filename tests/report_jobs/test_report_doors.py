"""One plan, one truth: the demo's security plan made through the CLI (from
files), the REST API and the web form (from the database) is the same
document, figure by figure (the placement chapter word by word); within each,
the summary, heat map, register and placement chapter agree; none has a
template leftover, a "None", a wrong plural, a broken identifier or a cut
diagram label."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from plan_pdf import (
    chapter_text,
    chapters,
    defects,
    heatmap_total,
    pages_of,
    placement_counts,
    placement_sections,
    register_ratings,
    squash,
    summary_counts,
)
from test_report_jobs_api import download, finished, request_report

from models import Organization
from planner.cli import main
from planner.core.assessment import assessment
from planner.core.inventory import load_estate
from planner.core.questionnaire import default_questionnaire, read_answers
from planner.demo import answers_path, estate_document
from planner.services import accounts
from reports.contents import build
from reports.diagram import dot_source

PASSWORD = "a long enough password"


def figures(pages: list[str]) -> dict:
    """Every figure a reader compares, after checking the plan agrees with itself."""
    counts = summary_counts(pages)
    total = counts.pop("total")
    assert sum(counts.values()) == total == heatmap_total(pages)
    assert register_ratings(pages) == {k: v for k, v in counts.items() if v}
    placement = placement_counts(pages)
    assert {k: before for k, (before, _after) in placement.items()} == counts  # counted the same way
    return {
        "chapters": chapters(pages),
        "by_risk": counts,
        "placement": placement,
        "placement_chapter": placement_sections(pages),  # every move, domain and finding it names
    }


def check_reads_well(pages: list[str], estate) -> None:
    assert defects(pages, set(default_questionnaire().questions)) == []
    diagram_page = chapter_text(pages, "3 Architecture")
    assert "…" not in diagram_page
    every = squash(" ".join(pages))
    _dot, _summarised, labels = dot_source(estate)
    for label in labels:  # full labels, none cut
        assert squash(label) in every, label


@pytest.fixture()
def demo_answers_body() -> dict:
    with answers_path().open(encoding="utf-8") as f:
        return json.loads(json.dumps(yaml.safe_load(f), default=str))


def test_cli_api_and_web_make_the_same_plan(inline_app, inline_client, tenant, demo_plan, demo_answers_body, tmp_path):
    # CLI, from files.
    out = tmp_path / "plan.pdf"
    inventory = tmp_path / "estate.json"
    inventory.write_text(json.dumps(estate_document()), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(inventory), "--answers", str(answers_path()), "-o", str(out)])
    assert result.exit_code == 0, result.output
    cli_pages = pages_of(out.read_bytes())

    # API, from the database.
    resp = inline_client.put(f"/api/v1/plans/{demo_plan}/answers", json=demo_answers_body, headers=tenant.headers())
    assert resp.status_code == 200, resp.get_json()
    job = finished(inline_client, tenant, demo_plan, request_report(inline_client, tenant, demo_plan, "pdf"))
    assert job["state"] == "succeeded", job["error"]
    api_pages = pages_of(download(inline_client, tenant, job).data)

    # Web form, signed in as a consultant of the same organization.
    session = inline_app.extensions["virtplan.sessions"]()
    user = accounts.create_user(
        session, f"doors-{tenant.org_id}", PASSWORD, session.get(Organization, tenant.org_id), "consultant"
    )
    session.commit()
    session.close()
    web = inline_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").get_data(as_text=True)).group(1)
    assert (
        web.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    page = web.get(f"/plans/{demo_plan}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert web.post(f"/plans/{demo_plan}/reports", data={"format": "pdf", "csrf_token": token}).status_code == 302
    jobs = inline_client.get(f"/api/v1/plans/{demo_plan}/reports", headers=tenant.headers("read")).get_json()
    assert jobs[0]["state"] == "succeeded" and jobs[0]["id"] != job["id"]
    assert jobs[0]["analysis_run"] == job["analysis_run"]  # the same stored run, not a new analysis
    web_pages = pages_of(download(inline_client, tenant, jobs[0]).data)

    estate = load_estate(estate_document())
    cli, api, web_figures = figures(cli_pages), figures(api_pages), figures(web_pages)
    for part, text in cli["placement_chapter"].items():  # a part at a time, for a readable failure
        assert (part, api["placement_chapter"].get(part)) == (part, text)
        assert (part, web_figures["placement_chapter"].get(part)) == (part, text)
    assert api == cli and web_figures == cli
    assert "8 Placement advice" in cli["chapters"]
    for pages in (cli_pages, api_pages, web_pages):
        check_reads_well(pages, estate)
    # The organization the answers name is on every cover.
    for pages in (cli_pages, api_pages, web_pages):
        assert "Harbor Logistics A/S" in pages[0]


@pytest.mark.parametrize("vms, answered", [(60, False), (200, True)])
def test_generated_plans_agree_with_themselves_and_their_assessment(vms, answered):
    from synthetic import generate, shape

    import reports

    estate = load_estate(generate(vms, *shape(vms), violations=True))
    assessed = assessment(estate, read_answers(str(answers_path())) if answered else None, plan_id=f"gen-{vms}")
    plan = reports.PlanReport(f"Generated {vms}", "Bench Org", assessed)
    pages = pages_of(reports.render(plan, "pdf"))
    got = figures(pages)
    assert got["by_risk"] == assessed.by_risk
    assert got["placement"] == {
        level: (
            assessed.placement["findings_before"]["by_risk"][level],
            assessed.placement["findings_after"]["by_risk"][level],
        )
        for level in assessed.by_risk
    }
    check_reads_well(pages, estate)
    contents = build(plan)
    assert contents.diagram.labels and all(
        squash(label) in squash(" ".join(pages)) for label in contents.diagram.labels
    )
