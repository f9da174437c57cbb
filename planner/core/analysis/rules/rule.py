"""What a rule is: its reviewed metadata (a YAML file beside the module) and a
``detect`` function that yields :class:`Hit` s.

Threagile keeps each risk rule's category (description, detection, rating,
false positives, mitigation, references) in the same file as its detection
code. We keep the words in ``<rule>.yaml`` right beside ``<rule>.py`` so a
consultant can review them without reading Python, and the module loads them
with :func:`Rule.beside`, so a rule is always the pair.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planner.core.inventory.estate import Vm

from ..context import AnalysisContext
from ..findings import LEVELS, ObjectRef
from ..method import FACTORS, OBJECTIVES, REACH

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Keys every rule's YAML must have (and may have nothing else).
_KEYS = {
    "id",
    "title",
    "kind",
    "description",
    "detection",
    "likelihood",
    "impact",
    "false_positives",
    "remediation",
    "references",
    "control_basis",
}
#: Where a rule's references come from: the NIST virtualization publications, vendor and
#: DISA baselines (cited as such, by their own control ids), and SP 800-53 Rev. 5 controls.
_REFERENCE_KEYS = ("sp800_125", "sp800_125a", "sp800_125b", "vendor", "sp800_53")
#: How a reference is printed. SP 800-125A entries say themselves whether Rev. 1 or the
#: 2014 draft is cited: "Rev. 1, HY-BF1 (...)" names a baseline function of Rev. 1,
#: "2014 draft, HY-BF5 topic: ..." a topic of the draft (see questionnaires/catalog.yaml).
_PREFIX = {
    "sp800_125": "SP 800-125 ",
    "sp800_125a": "SP 800-125A ",
    "sp800_125b": "SP 800-125B: ",
    "vendor": "",
}
_SP800_125A = re.compile(r"^(Rev\. 1, HY-BF[1-5] \(|2014 draft, HY-BF[1-5] topic: )")
#: Rule kinds: analysis-v1.md's minimum set, its v1.1 table, and our own practitioner rules.
KINDS = ("spec", "spec-v1.1", "practitioner")


@dataclass(slots=True)
class Hit:
    """One situation a rule found: the finding before it is scored.

    ``identity`` is the part of the evidence that identifies the situation
    (it goes into the fingerprint); ``evidence`` may add facts that vary
    without the situation changing (counts, lists of VMs). ``at_risk`` are the
    VMs whose categorization sets the impact; ``zones`` the zones involved
    (trust-gap factor); ``where`` completes the internet-exposure sentence;
    ``exposure`` are the VMs whose internet exposure raises the likelihood
    when they differ from ``at_risk`` (None: the VMs at risk).
    """

    objects: list[ObjectRef]
    identity: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)
    at_risk: Sequence[Vm] = ()
    zones: Sequence[str] = ()
    where: str = "involved"
    exposure: Sequence[Vm] | None = None


#: A rule's detection: the hits it finds in an analysed estate.
Detector = Callable[[AnalysisContext], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    kind: str  # one of KINDS
    description: str
    detection: str
    base_likelihood: str
    likelihood_factors: tuple[str, ...]
    likelihood_rationale: str
    objective: str
    default_impact: str
    impact_rationale: str
    #: How the threat reaches VMs beyond the objects: a key of method.REACH, or None.
    reach: str | None
    false_positives: str
    remediation: str
    references: dict[str, list[str]]
    #: Why each SP 800-53 control in ``references["sp800_53"]`` is cited.
    control_basis: dict[str, str]
    detect: Detector = field(compare=False, repr=False)

    @classmethod
    def beside(cls, module_file: str, detect: Detector) -> Rule:
        """The rule whose metadata is the YAML file named like ``module_file``."""
        path = Path(module_file).with_suffix(".yaml")
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 -- a SafeLoader
        problems = _KEYS.symmetric_difference(data)
        if problems:
            raise ValueError(f"{path.name}: keys missing or unexpected: {sorted(problems)}")
        unknown_refs = set(data["references"]) - set(_REFERENCE_KEYS)
        if unknown_refs:
            raise ValueError(f"{path.name}: unknown reference keys {sorted(unknown_refs)}; expected {_REFERENCE_KEYS}")
        lk, im = data["likelihood"], data["impact"]
        rule = cls(
            id=data["id"],
            title=data["title"],
            kind=data["kind"],
            description=_text(data["description"]),
            detection=_text(data["detection"]),
            base_likelihood=lk["base"],
            likelihood_factors=tuple(lk.get("factors") or ()),
            likelihood_rationale=_text(lk["rationale"]),
            objective=im["objective"],
            default_impact=im["default"],
            impact_rationale=_text(im["rationale"]),
            reach=im.get("reach"),
            false_positives=_text(data["false_positives"]),
            remediation=_text(data["remediation"]),
            references={k: list(data["references"].get(k) or ()) for k in _REFERENCE_KEYS},
            control_basis={str(k): _text(v) for k, v in (data["control_basis"] or {}).items()},
            detect=detect,
        )
        rule._check(path.name)
        return rule

    def _check(self, name: str) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{name}: kind must be one of {KINDS}")

        if self.base_likelihood not in LEVELS or self.default_impact not in LEVELS:
            raise ValueError(f"{name}: likelihood.base and impact.default must be one of {LEVELS}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"{name}: impact.objective must be one of {OBJECTIVES}")
        if self.reach is not None and self.reach not in REACH:
            raise ValueError(f"{name}: impact.reach must be one of {tuple(REACH)} or absent")
        unknown = set(self.likelihood_factors) - set(FACTORS)
        if unknown:
            raise ValueError(f"{name}: unknown likelihood factors {sorted(unknown)}")
        if list(self.control_basis) != self.references["sp800_53"]:
            raise ValueError(f"{name}: control_basis must give the reason for each cited control, in order")
        for ref in self.references["sp800_125a"]:
            if not _SP800_125A.match(ref):
                raise ValueError(
                    f"{name}: an SP 800-125A reference names Rev. 1 and a baseline function, or the 2014 draft "
                    f"and a topic: 'Rev. 1, HY-BF1 (...)' or '2014 draft, HY-BF5 topic: ...'; got {ref!r}"
                )

    def reference_list(self) -> list[str]:
        """References as the finding lists them: publications and baselines first, then SP 800-53 control ids."""
        out = [f"{_PREFIX[k]}{ref}" for k in _REFERENCE_KEYS[:-1] for ref in self.references[k]]
        return out + list(self.references["sp800_53"])


def _text(value: str) -> str:
    return " ".join(str(value).split())
