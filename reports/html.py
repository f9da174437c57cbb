"""The security plan as HTML, from Jinja2 templates with autoescaping on.

One set of templates serves both media: ``print`` (WeasyPrint: page rules,
running headers, a table of contents with page numbers; the stylesheets are
fetched through the ``virtplan-asset:`` scheme) and ``screen`` (a
self-contained page for the web UI, stylesheets inlined). Data never reaches the
page unescaped: the only ``Markup`` inserted is our own static CSS.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from planner.core.text import plural

from . import diagram, method
from .contents import LEVEL_LABELS, Contents

#: Background and text colour of each SP 800-30 level: badges, the Table I-2
#: cells and the heat map (declared once; the CSS rules are made from it).
LEVEL_COLOURS = {
    "very-high": ("#7b1d1d", "#ffffff"),
    "high": ("#c2410c", "#ffffff"),
    "moderate": ("#f0b429", "#1d232b"),
    "low": ("#9cc47a", "#1d232b"),
    "very-low": ("#cfe3c1", "#1d232b"),
    "none": ("#e9eef4", "#1d232b"),
}


def level_css() -> str:
    return "\n".join(
        f".level-{level}, .cell-{level} {{ background: {bg}; color: {fg}; }}"
        for level, (bg, fg) in LEVEL_COLOURS.items()
    )


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
    if c.hardening:
        chapters.append(("hardening", "Hardening against the baselines"))
    if c.placement:
        chapters.append(("placement", "Placement advice"))
    out = [{"id": sid, "number": str(i), "title": title} for i, (sid, title) in enumerate(chapters, 1)]
    out.append({"id": "controls", "number": "Appendix A", "title": "SP 800-53 Rev. 5 controls"})
    out.append({"id": "answers", "number": "Appendix B", "title": "Questionnaire answers"})
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
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["plural"] = plural
    env.filters["date"] = _date
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
            diagram=c.diagram,
            # Graphviz's output parsed and re-serialised by ElementTree (diagram.finish):
            # every text escaped, no script, no link — markup we made, not input.
            diagram_svg=Markup(c.diagram.svg),  # noqa: S704
            legend=diagram.LEGEND,
            legend_css=Markup(diagram.legend_css() + "\n" + level_css()),  # noqa: S704 -- our own constants
            level_colours=LEVEL_COLOURS,
            levels=list(reversed(LEVEL_LABELS)),
            impact_levels=list(LEVEL_LABELS),
        )
    )
