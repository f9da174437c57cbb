"""Reports: the security plan of an analysed estate, in every format a client asks for.

Build a :class:`PlanReport` (a plan's :class:`~planner.core.assessment.Assessment`
and the document's name, organization, version and date) and call
:func:`render` for bytes, or :func:`generate` for bytes with their media type,
file name and SHA-256 — what the API stores. :func:`render_isolated`
(and ``generate(..., isolated=True)``) renders in a child process under a time
and memory limit: the call a background job should make.

    report = PlanReport(name="Payments", organization="Acme", assessment=assessment(estate, answers))
    pdf = render(report, "pdf")
"""

from __future__ import annotations

import hashlib
import importlib
import re
from dataclasses import dataclass

from .contents import Contents, build
from .isolation import RenderError, RenderMemoryError, RenderStopped, RenderTimeout, run_isolated
from .plan import TRIAGE_STATES, PlanReport, Triage

#: format -> (media type, file extension)
FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "oscal": ("application/json", "oscal-ssp.json"),
}
DEFAULT_TIMEOUT = 300.0
DEFAULT_MEMORY_MB = 2048

__all__ = [
    "FORMATS",
    "TRIAGE_STATES",
    "Contents",
    "PlanReport",
    "RenderError",
    "RenderMemoryError",
    "RenderStopped",
    "RenderTimeout",
    "RenderedReport",
    "Triage",
    "build",
    "filename",
    "generate",
    "render",
    "render_isolated",
]


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


#: format -> the modules of this package that render it (imported when first needed)
_RENDERERS = {
    "pdf": ("html", "pdf"),
    "html": ("html",),
    "json": ("plan_document",),
    "csv": ("register",),
    "xlsx": ("register",),
    "oscal": ("oscal",),
}


def load_renderer(fmt: str) -> None:
    """Import what rendering ``fmt`` needs, shared libraries included, without rendering."""
    _check(fmt)
    for module in _RENDERERS[fmt]:
        importlib.import_module(f"{__name__}.{module}")


def render(plan_report: PlanReport, fmt: str = "pdf") -> bytes:
    """The report in ``fmt`` (one of :data:`FORMATS`), in this process."""
    _check(fmt)
    contents = build(plan_report)
    if fmt in ("pdf", "html"):
        from .html import render_html

        html = render_html(contents, "print" if fmt == "pdf" else "screen")
        if fmt == "html":
            return html.encode("utf-8")
        from .pdf import html_to_pdf

        generated = plan_report.generated
        epoch = int(generated.timestamp()) if hasattr(generated, "timestamp") else 946684800
        return html_to_pdf(html, epoch=epoch)
    if fmt == "json":
        from .plan_document import to_json

        return to_json(contents)
    if fmt in ("csv", "xlsx"):
        from . import register

        return register.to_csv(contents) if fmt == "csv" else register.to_xlsx(contents)
    from . import oscal

    return oscal.to_bytes(contents)


def render_isolated(
    plan_report: PlanReport,
    fmt: str = "pdf",
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> bytes:
    """:func:`render` in a spawned child process; raises :class:`RenderTimeout`,
    :class:`RenderMemoryError` or :class:`RenderError` instead of hanging."""
    _check(fmt)
    return run_isolated(plan_report, fmt, timeout, memory_mb)


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A rendered report as the API stores it."""

    format: str
    content: bytes
    media_type: str
    filename: str
    sha256: str


def filename(plan_report: PlanReport, fmt: str) -> str:
    """A safe download name: plan name, version, format extension."""
    _check(fmt)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", plan_report.name).strip("-.")[:80] or "plan"
    return f"{stem}-v{re.sub(r'[^A-Za-z0-9._-]+', '-', str(plan_report.version))[:20]}.{FORMATS[fmt][1]}"


def generate(
    plan_report: PlanReport,
    fmt: str = "pdf",
    *,
    isolated: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
) -> RenderedReport:
    """Render ``fmt`` and describe the result (what a background job calls and stores)."""
    data = render_isolated(plan_report, fmt, timeout, memory_mb) if isolated else render(plan_report, fmt)
    return RenderedReport(fmt, data, FORMATS[fmt][0], filename(plan_report, fmt), hashlib.sha256(data).hexdigest())
