"""The risk assessment method as the report states it.

The words are the analysis engine's own (:func:`planner.core.analysis.methodology`,
the text its scoring formats), the scales and Table I-2 come from the
constants it scores with, so the report cannot disagree with the code. Only
the SP 800-30 semi-quantitative equivalents are added here.
"""

from __future__ import annotations

from typing import Any

from planner.core.analysis import LEVELS, risk_of
from planner.core.analysis import methodology as engine_methodology

#: Values the method chapter fills the factor and impact sentences with, so the
#: reader sees a finding's words, not a template.
EXAMPLE = {
    "vm": "vm-web-01",
    "where": "on the host",
    "gap": 2,
    "low": "dmz",
    "low_level": 1,
    "high": "restricted",
    "high_level": 3,
    "impact": "high",
    "objective": "confidentiality",
    "vms": "4 VMs",
    "fips": "high",
}

#: SP 800-30 Rev. 1 Appendices G, H and I: semi-quantitative values per level.
SEMI_QUANTITATIVE = {
    "very-high": ("96–100", "10"),
    "high": ("80–95", "8"),
    "moderate": ("21–79", "5"),
    "low": ("5–20", "2"),
    "very-low": ("0–4", "0"),
}


def methodology() -> dict[str, Any]:
    """Paragraphs, scales, Table I-2 and factors, as plain data for the templates."""
    m = engine_methodology()
    return {
        "paragraphs": list(m["paragraphs"]),
        "scale": [
            {
                "level": lvl,
                "range": SEMI_QUANTITATIVE[lvl][0],
                "score": SEMI_QUANTITATIVE[lvl][1],
                "likelihood": m["likelihood_scale"].get(lvl, ""),
                "impact": m["impact_scale"].get(lvl, ""),
            }
            for lvl in reversed(LEVELS)
        ],
        "fips199_to_impact": m["fips199_to_impact"],
        "factors": [
            {"name": name, "steps": f["steps"], "when": f["when"], "example": f["wording"].format(**EXAMPLE)}
            for name, f in m["factors"].items()
        ],
        "impact_examples": [w.format(**EXAMPLE) for w in m["impact_wording"].values()],
        "risk_table": [{"likelihood": lk, "cells": [risk_of(lk, im) for im in LEVELS]} for lk in reversed(LEVELS)],
        "levels": list(LEVELS),
    }
