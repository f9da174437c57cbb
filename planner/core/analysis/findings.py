"""Findings and the SP 800-30 Rev. 1 scales they are scored on.

A finding is what the analysis says about one object (or a pair, or the plan):
which rule fired, how likely and how harmful, why (factors, evidence), what to
do, and a fingerprint that stays the same while the situation is unchanged, so
a user's triage survives re-analysis. The JSON shape is the contract in
``shared/spec/analysis-v1.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The five SP 800-30 levels, lowest first, as the contract spells them.
LEVELS = ("very-low", "low", "moderate", "high", "very-high")
_INDEX = {name: i for i, name in enumerate(LEVELS)}

#: SP 800-30 Rev. 1 Table I-2: risk by likelihood (rows) and impact (columns),
#: both indexed very-low .. very-high.
_RISK_TABLE = (
    ("very-low", "very-low", "very-low", "low", "low"),  # likelihood very-low
    ("very-low", "low", "low", "low", "moderate"),  # low
    ("very-low", "low", "moderate", "moderate", "high"),  # moderate
    ("very-low", "low", "moderate", "high", "very-high"),  # high
    ("very-low", "low", "moderate", "high", "very-high"),  # very-high
)

OBJECT_KINDS = ("zone", "host", "network", "appliance", "datastore", "vm", "plan")

#: What a person may decide about a finding: still open; the risk accepted,
#: mitigated outside what the inventory shows, not real (false positive), or
#: transferred to another party (a provider, an insurer).
TRIAGE_STATUSES = ("open", "accepted", "mitigated", "false-positive", "transferred")


def level_index(level: str) -> int:
    return _INDEX[level]


def shift(level: str, steps: int) -> str:
    """Move a level up (positive) or down (negative), clamped to the scale."""
    return LEVELS[max(0, min(len(LEVELS) - 1, _INDEX[level] + steps))]


def risk_of(likelihood: str, impact: str) -> str:
    """Risk from likelihood and impact by SP 800-30 Rev. 1 Table I-2."""
    return _RISK_TABLE[_INDEX[likelihood]][_INDEX[impact]]


def finding_order(finding: Finding) -> bytes:
    """The one order of findings, everywhere: worst first by risk, then
    likelihood, then impact; then rule id, the objects and the fingerprint, so
    ties are stable.

    A byte string, so the database sorts stored findings by the same key
    (``findings.order_key``: bytes compare the same in Python, SQLite and
    PostgreSQL, whatever the collation). Strings end with NUL and each object
    starts with 0x01, so a shorter rule id or object list sorts first, as a
    tuple would.
    """
    top = len(LEVELS) - 1
    parts = [
        bytes((top - _INDEX[finding.risk], top - _INDEX[finding.likelihood], top - _INDEX[finding.impact])),
        finding.rule.encode(),
        b"\0",
    ]
    for o in finding.objects:
        parts += (b"\1", o.kind.encode(), b"\0", o.id.encode(), b"\0")
    parts += (b"\0", finding.fingerprint.encode())
    return b"".join(parts)


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    kind: str
    id: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


@dataclass(frozen=True, slots=True)
class Mitigation:
    """What a questionnaire answer does to a rule's findings.

    ``factor`` says what the answer shows, e.g. "management traffic carried in a
    FIPS 140-validated tunnel"; ``question`` is the answer's question id. A
    compensating control lowers the likelihood by ``steps`` (negative), within
    the method's cap (:data:`.method.MAX_MITIGATION_STEPS`). A ``contradicted``
    answer claims the opposite of the fact the rule reads in the inventory: it
    earns no credit (``steps`` is 0) and the finding says the answer is contradicted.
    The sentences are the method's (:data:`.method.MITIGATION_WORDING`).
    """

    rule: str
    steps: int
    factor: str
    question: str = ""
    contradicted: bool = False


@dataclass(slots=True)
class Finding:
    rule: str
    title: str
    objects: list[ObjectRef]
    likelihood: str
    impact: str
    risk: str
    factors: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    remediation: str = ""
    fingerprint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "objects": [o.to_dict() for o in self.objects],
            "likelihood": self.likelihood,
            "impact": self.impact,
            "risk": self.risk,
            "factors": list(self.factors),
            "evidence": self.evidence,
            "references": list(self.references),
            "remediation": self.remediation,
            "fingerprint": self.fingerprint,
        }
