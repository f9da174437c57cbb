"""The questionnaire and the catalog as plain typed objects.

Built by :mod:`.definition` from the YAML files under ``questionnaires/`` after
they have been validated, so every reference in them resolves. ``to_dict``
gives the JSON the API serves as the questionnaire definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .conditions import Condition

QUESTION_TYPES = ("yes_no", "single_choice", "multiple_choice", "number", "date", "text")
#: FIPS 199 security objectives a weak answer's impact may be based on;
#: "overall" is the high-water mark over the three.
IMPACT_OBJECTIVES = ("confidentiality", "integrity", "availability", "overall")


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommendation of the catalog: VirtPlan's paraphrase of what a NIST
    publication recommends, under an id of VirtPlan's own (``origin``)."""

    id: str
    group: str
    publication: str
    section: str
    title: str
    summary: str
    controls: tuple[str, ...]
    #: How the citation was checked (a key of :attr:`Catalog.checks`) and the basis of the paraphrase.
    checked: str = ""
    basis: str = ""
    #: Why each SP 800-53 control is cited, where the catalog records it.
    control_basis: dict[str, str] = field(default_factory=dict)

    #: Whose numbering ``id`` is: always VirtPlan's (NIST does not number these recommendations so).
    origin: ClassVar[str] = "virtplan"

    @property
    def citation(self) -> str:
        """e.g. "SP 800-125 §4.1 (HV-5)"; 800-125A/B sections are topics, not numbers."""
        where = f"§{self.section}" if self.section[:1].isdigit() else self.section
        return f"{self.publication} {where} ({self.id})"

    @property
    def paraphrases(self) -> str:
        """The NIST source the recommendation paraphrases, without our id: "SP 800-125 §4.1"."""
        where = f"§{self.section}" if self.section[:1].isdigit() else self.section
        return f"{self.publication} {where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "origin": self.origin,
            "paraphrases": self.paraphrases,
            "group": self.group,
            "source": {
                "publication": self.publication,
                "section": self.section,
                "checked": self.checked,
                "basis": self.basis,
            },
            "title": self.title,
            "summary": self.summary,
            "controls": list(self.controls),
            "control_basis": dict(self.control_basis),
        }


@dataclass(frozen=True, slots=True)
class Catalog:
    version: str
    controls: dict[str, str]
    recommendations: dict[str, Recommendation]
    groups: dict[str, dict[str, Any]]
    publications: dict[str, str]
    #: How a citation may have been checked: name -> what that means.
    checks: dict[str, str] = field(default_factory=dict)
    #: What the catalog says of its ids (VirtPlan's own numbering).
    id_statement: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "catalog": "virtplan.catalog",
            "version": self.version,
            "ids": {"origin": Recommendation.origin, "statement": self.id_statement},
            "checks": dict(self.checks),
            "publications": dict(self.publications),
            "groups": {k: dict(v) for k, v in self.groups.items()},
            "controls": dict(self.controls),
            "recommendations": [r.to_dict() for r in self.recommendations.values()],
        }


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class LikelihoodFactor:
    """A documented adjustment of a weak answer's likelihood (e.g. +1 when an
    internet-facing VM is in the inventory)."""

    when: Condition
    steps: int
    factor: str


@dataclass(frozen=True, slots=True)
class WeakAnswer:
    """An answer that signals a weakness, and the finding it produces."""

    when: Condition
    rule: str
    title: str
    likelihood: str
    likelihood_basis: str
    impact: str  # one of IMPACT_OBJECTIVES
    impact_steps: int
    impact_basis: str
    remediation: str
    references: tuple[str, ...]
    controls: tuple[str, ...]
    likelihood_factors: tuple[LikelihoodFactor, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": self.when.to_data(),
            "rule": self.rule,
            "title": self.title,
            "likelihood": self.likelihood,
            "likelihood_basis": self.likelihood_basis,
            "likelihood_factors": [
                {"when": f.when.to_data(), "steps": f.steps, "factor": f.factor} for f in self.likelihood_factors
            ],
            "impact": self.impact,
            "impact_steps": self.impact_steps,
            "impact_basis": self.impact_basis,
            "remediation": self.remediation,
            "references": list(self.references),
            "controls": list(self.controls),
        }


@dataclass(frozen=True, slots=True)
class MitigationRule:
    """An answer showing a compensating control, which lowers (negative steps) a topology
    rule's likelihood, within the method's cap."""

    rule: str
    when: Condition
    steps: int
    factor: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "when": self.when.to_data(), "steps": self.steps, "factor": self.factor}


@dataclass(frozen=True, slots=True)
class RestatedFact:
    """The question asks about the very fact ``rule`` reads in the inventory. An answer
    matching ``when`` claims the safe state (``claim``); on that rule's findings, which
    the inventory proves, the claim is contradicted and earns no credit."""

    rule: str
    when: Condition
    claim: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "when": self.when.to_data(), "claim": self.claim}


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    phase: str
    section: str
    text: str
    help: str
    type: str
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    covers: tuple[str, ...] = ()
    applies_when: Condition | None = None
    weak: tuple[WeakAnswer, ...] = ()
    mitigates: tuple[MitigationRule, ...] = ()
    restates: tuple[RestatedFact, ...] = ()

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text, "help": self.help, "type": self.type}
        if self.choices:
            out["choices"] = [{"value": c.value, "label": c.label} for c in self.choices]
        if self.minimum is not None:
            out["min"] = self.minimum
        if self.maximum is not None:
            out["max"] = self.maximum
        out["covers"] = list(self.covers)
        out["applies_when"] = self.applies_when.to_data() if self.applies_when else None
        out["weak"] = [w.to_dict() for w in self.weak]
        out["mitigates"] = [m.to_dict() for m in self.mitigates]
        out["restates"] = [r.to_dict() for r in self.restates]
        return out


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "questions": [q.to_dict() for q in self.questions]}


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    title: str
    source: str
    description: str
    sections: tuple[Section, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "description": self.description,
            "sections": [s.to_dict() for s in self.sections],
        }


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """One version of the lifecycle questionnaire, phases in SP 800-125 §5 order."""

    id: str
    version: str
    title: str
    phases: tuple[Phase, ...]
    catalog: Catalog
    #: FIPS 199 objective -> id of the question that records the plan's level on it.
    categorization: dict[str, str] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)

    def question(self, qid: str) -> Question:
        return self.questions[qid]

    def to_dict(self) -> dict[str, Any]:
        """The definition as the API serves it (``GET /api/v1/questionnaire``)."""
        return {
            "questionnaire": self.id,
            "version": self.version,
            "title": self.title,
            "categorization": dict(self.categorization),
            "catalog_version": self.catalog.version,
            "phases": [p.to_dict() for p in self.phases],
        }
