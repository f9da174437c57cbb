"""The analysis: the estate as a graph, the risk rules, SP 800-30 scoring.

Pure core: no Flask, no database. The entry point is :func:`analyze`::

    from planner.core.analysis import analyze
    result = analyze(load_estate(document))
    result.to_dict()   # {"findings": [...], "summary": {"by_risk": {...}, ...}}
"""

from __future__ import annotations

from .engine import Analysis, analyze, run_rule
from .findings import LEVELS, Finding, Mitigation, ObjectRef, finding_order, risk_of, shift
from .graph import build_graph, network_segments, to_graphml, to_node_link_json
from .method import methodology
from .rules import REGISTRY, RULES_BY_ID, SPEC_RULE_IDS, SPEC_V1_1_RULE_IDS

__all__ = [
    "LEVELS",
    "REGISTRY",
    "RULES_BY_ID",
    "SPEC_RULE_IDS",
    "SPEC_V1_1_RULE_IDS",
    "Analysis",
    "Finding",
    "Mitigation",
    "ObjectRef",
    "analyze",
    "build_graph",
    "finding_order",
    "methodology",
    "network_segments",
    "risk_of",
    "run_rule",
    "shift",
    "to_graphml",
    "to_node_link_json",
]
