"""The full analysed plan as one JSON document (``virtplan.plan-report/v1``).

For scripts and archives: the plan's identity, the system identification, the
FIPS 199 categorization, the estate it was computed from, the analysis in the
contract's finding shape, the register (each finding with its register number
and triage), the lifecycle plan, the control mapping and the placement advice.
Keys are sorted so equal plans give equal bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from .contents import Contents

SCHEMA = "virtplan.plan-report/v1"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _estate(estate: Any) -> dict:
    """The estate as collections of plain objects (lists in document order)."""
    out = {"as_of": estate.as_of.isoformat(), "policy": _plain(estate.policy), "source": estate.source}
    for name in ("zones", "clusters", "hosts", "networks", "appliances", "datastores", "vms"):
        out[name] = [_plain(o) for o in getattr(estate, name).values()]
    return out


def to_document(c: Contents) -> dict:
    r = c.report
    return {
        "schema": SCHEMA,
        "plan": {
            "name": r.name,
            "organization": r.organization,
            "version": r.version,
            "id": r.seed,
            "analysis_run": r.analysis_run,
            "generated": r.generated.isoformat(),
            "marking": c.marking,
        },
        "identification": {qid.rsplit(".", 1)[1]: value for qid, _, value in c.identification},
        "fips199": c.fips199,
        "summary": {
            "by_risk": c.by_risk,
            "posture": c.posture,
            "findings": len(c.register),
            "decisions": c.decisions,
            "top_risks": [e.ref for e in c.top_risks],
        },
        "register": [e.to_dict() for e in c.register],
        "analysis": _plain(r.assessment.analysis()),
        "zones": c.zones,
        "placement_matrix": {k: v for k, v in c.matrix.items()},
        "lifecycle": [
            {
                **{k: v for k, v in p.items() if k not in ("actions", "decisions")},
                "actions": [e.ref for e in p["actions"]],
                "decisions": [e.ref for e in p["decisions"]],
            }
            for p in c.lifecycle
        ],
        "controls": c.controls,
        "hardening": _plain(r.assessment.hardening.to_dict()) if r.assessment.hardening else None,
        "placement_advice": _plain(r.placement) if r.placement else None,
        "answers": _plain(r.answers) if r.answers else {},
        "inventory": _estate(r.estate),
    }


def to_json(c: Contents) -> bytes:
    return json.dumps(to_document(c), sort_keys=True, ensure_ascii=False, indent=1, default=str).encode("utf-8")
