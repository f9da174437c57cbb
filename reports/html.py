"""The security plan as HTML, from Jinja2 templates with autoescaping on.

One set of templates serves both media: ``print`` (WeasyPrint: page rules,
running headers, a table of contents with page numbers; the stylesheets are
fetched through the ``virtplan-asset:`` scheme) and ``screen`` (a
self-contained page for the web UI, stylesheets inlined). Data never reaches the
page unescaped: the only ``Markup`` inserted is our own static CSS.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from . import diagram, method
from .contents import LEVEL_LABELS, Contents

#: Items of one evidence value shown before "and N more".
EVIDENCE_ITEMS = 12
EVIDENCE_CHARS = 400


def evidence_lines(evidence: Any) -> list[tuple[str, str]]:
    """A finding's evidence as (key, readable text) pairs, long lists cut."""
    if not isinstance(evidence, dict):
        return [("", _short(evidence))]
    return [(str(k), _short(v)) for k, v in evidence.items()]


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        items = [_scalar(v) for v in value[:EVIDENCE_ITEMS]]
        more = len(value) - EVIDENCE_ITEMS
        text = ", ".join(items) + (f" and {more} more" if more > 0 else "")
    else:
        text = _scalar(value)
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"kind", "id"}:
        return f"{value['kind']} {value['id']}"
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def level_label(level: str | None) -> str:
    return LEVEL_LABELS.get(level or "", "None" if level in (None, "none") else str(level))


def sections(c: Contents) -> list[dict]:
    """The chapters in reading order, numbered; appendices lettered."""
    chapters = [
        ("summary", "Executive summary"),
        ("identification", "System identification"),
        ("architecture", "Architecture"),
        ("method", "Risk assessment method"),
        ("heatmap", "Risk heat map"),
        ("register", "Risk register"),
        ("lifecycle", "Lifecycle plan"),
    ]
    if c.placement:
        chapters.append(("placement", "Placement advice"))
    out = [{"id": sid, "number": str(i), "title": title} for i, (sid, title) in enumerate(chapters, 1)]
    out.append({"id": "controls", "number": "Appendix A", "title": "SP 800-53 Rev. 5 controls"})
    out.append({"id": "signoff", "number": "", "title": "Sign-off"})
    return out


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["level"] = level_label
    env.filters["evidence"] = evidence_lines
    env.filters["fit"] = diagram.fit
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["plural"] = lambda n, word, many=None: f"{n:,} {word if n == 1 else (many or word + 's')}"
    env.filters["date"] = _date
    env.filters["coord"] = lambda v: f"{v:.1f}"
    return env


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%d %B %Y")
    if isinstance(value, dt.date):
        return value.strftime("%d %B %Y")
    return "" if value is None else str(value)


@lru_cache(maxsize=4)
def stylesheet(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def render_html(c: Contents, media: str = "screen") -> str:
    """The report as one HTML document for ``media`` "print" (PDF) or "screen"."""
    if media not in ("print", "screen"):
        raise ValueError(f"media must be print or screen, not {media!r}")
    # Our own packaged stylesheets, not input.
    styles = None if media == "print" else Markup(stylesheet("report.css") + "\n" + stylesheet("screen.css"))  # noqa: S704
    return (
        environment()
        .get_template("report.html")
        .render(
            c=c,
            r=c.report,
            media=media,
            styles=styles,
            sections=sections(c),
            method=method.methodology(),
            diagram=diagram.layout(c.report.estate),
            shape_styles=diagram.STYLES,
            zone_fills=diagram.ZONE_FILLS,
            font=diagram.FONT,
            levels=list(reversed(LEVEL_LABELS)),
            impact_levels=list(LEVEL_LABELS),
        )
    )
