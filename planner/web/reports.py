"""A plan's reports: asking for one in any format (a background job), its
progress (the job's page updates itself until the job is done; without
JavaScript a refresh link does it), the earlier reports with the plan version
and analysis run each shows, the download, and the HTML report previewed in
the page.

The preview is the stored HTML exactly as generated, served on its own URL
inside a sandboxed iframe with a Content-Security-Policy of its own
(``sandbox``: an opaque origin, no script, no form, no plugin; only its own
inline styles and data: images), so a report can never act as the site.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import Length, Optional

from planner import database
from planner.api.reports import download_response, start_report
from planner.services import plans as plan_service
from planner.services import report_jobs as report_service
from planner.services.errors import Invalid

from .forms import Form
from .guards import login_required, require_write

bp = Blueprint("reports", __name__)

#: The tab of the plan pages this module serves (see planner.web.plan_tabs).
PLAN_TAB = ("Reports", "web.reports.index")

#: What each format is, for someone choosing one.
FORMAT_LABELS = {
    "pdf": "PDF: the security plan to sign",
    "html": "HTML: the same plan as a web page (previewed here)",
    "json": "JSON: the analysed plan, for tools",
    "csv": "CSV: the risk register",
    "xlsx": "Excel: the risk register",
    "oscal": "OSCAL: a System Security Plan in JSON",
}
PENDING = ("queued", "running")
REPORTS_ON_PAGE = 20
#: The preview's own policy: an opaque origin with nothing but its inline styles and data: images.
PREVIEW_POLICY = "; ".join(
    (
        "sandbox",
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "font-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
    )
)


class ReportForm(Form):
    format = RadioField(
        "Format", choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()], default="pdf", validate_choice=False
    )  # the service names the formats when one is unknown
    version = StringField(
        "Version printed on the plan",
        validators=[Optional(), Length(max=report_service.MAX_VERSION)],
        description="Optional, e.g. 1.0 draft; without it the plan says which inventory version it shows.",
    )


@bp.route("/plans/<int:plan_id>/reports")
@login_required
def index(plan_id: int):
    return _index_page(plan_id, ReportForm(formdata=None))


@bp.route("/plans/<int:plan_id>/reports", methods=["POST"])
@login_required
def request_report(plan_id: int):
    """Record the job and hand it to the queue; then its page, which shows the progress."""
    require_write()
    form = ReportForm()
    if form.validate():
        try:
            row = start_report(plan_id, form.format.data, form.version.data or None)
        except Invalid as exc:
            form.adopt(exc.problems)
        else:
            return redirect(url_for(".report", plan_id=plan_id, report_id=row.id))
    return _index_page(plan_id, form), 422


def _index_page(plan_id: int, form: ReportForm):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = report_service.list_reports(db, g.caller, plan_id, (page - 1) * REPORTS_ON_PAGE, REPORTS_ON_PAGE)
    return render_template(
        "reports/index.html",
        plan=plan,
        form=form,
        reports=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // REPORTS_ON_PAGE)),
        pending=any(r.state in PENDING for r in rows),
        labels=FORMAT_LABELS,
        can_write=g.caller.can("write"),
    )


@bp.route("/plans/<int:plan_id>/reports/<int:report_id>")
@login_required
def report(plan_id: int, report_id: int):
    """One report job: its state until it is done, then its download (and the HTML's preview)."""
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    row = report_service.get_report(db, g.caller, plan_id, report_id)
    return render_template(
        "reports/report.html", plan=plan, report=row, pending=row.state in PENDING, labels=FORMAT_LABELS
    )


@bp.route("/plans/<int:plan_id>/reports/<int:report_id>/download")
@login_required
def download_report(plan_id: int, report_id: int):
    row, content = report_service.report_content(database.session(), g.caller, plan_id, report_id)
    return download_response(row, content)


@bp.route("/plans/<int:plan_id>/reports/<int:report_id>/preview")
@login_required
def preview(plan_id: int, report_id: int):
    """The HTML report as generated, for the sandboxed iframe of its page (other formats have none)."""
    row, content = report_service.report_content(database.session(), g.caller, plan_id, report_id)
    if row.format != "html":
        abort(404, f"report {report_id} is {row.format}: only HTML reports are previewed in the page")
    return Response(
        content,
        mimetype="text/html",
        headers={
            "Content-Security-Policy": PREVIEW_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "ETag": f'"{row.sha256}"',
        },
    )
