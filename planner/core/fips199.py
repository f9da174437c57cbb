"""FIPS 199 security categorization: levels, and the high-water mark.

The one place where VirtPlan takes the highest of FIPS 199 levels: a VM's own
mark (on one objective, or the highest of the three), the mark of a group of
VMs, and the system's categorization (over every VM and the categorization
stated in the questionnaire). Rules, the questionnaire's conditions and weak
answers, the placement advisor and the reports all ask here.

FIPS 199 knows three levels (low, moderate, high); a confidentiality of
``"n/a"`` (public information) counts as no level at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.core.inventory.estate import Vm

#: The FIPS 199 levels, lowest first.
LEVELS = ("low", "moderate", "high")
#: The three security objectives.
OBJECTIVES = ("confidentiality", "integrity", "availability")
#: Names for "the highest of the three objectives" (rules say "any", weak answers "overall").
ALL_OBJECTIVES = ("any", "overall")
_RANK = {level: i for i, level in enumerate(LEVELS)}
_TOP = LEVELS[-1]


def high_water(levels: Iterable[Any]) -> str | None:
    """The highest FIPS 199 level among ``levels`` (anything else is ignored); None if there is none."""
    best: str | None = None
    for level in levels:
        if level in _RANK and (best is None or _RANK[level] > _RANK[best]):
            best = level
    return best


#: The high-water mark of every (confidentiality, integrity, availability) a VM can state:
#: rules ask it of every VM, so it is looked up, not worked out each time.
_MARKS = {(c, i, a): high_water((c, i, a)) for c in (*LEVELS, "n/a") for i in LEVELS for a in LEVELS}


def vm_level(vm: Vm, objective: str) -> str | None:
    """The VM's level on ``objective`` ("any"/"overall": its high-water mark); None if unknown or n/a."""
    c = vm.categorization
    if c is None:
        return None
    if objective in ALL_OBJECTIVES:
        stated = (c.confidentiality, c.integrity, c.availability)
        return _MARKS[stated] if stated in _MARKS else high_water(stated)
    level = getattr(c, objective)
    return level if level in _RANK else None


def highest_vm(vms: Iterable[Vm], objective: str) -> tuple[str | None, Vm | None]:
    """The highest level among ``vms`` on ``objective`` and the first VM holding it ((None, None): none)."""
    best: str | None = None
    best_vm: Vm | None = None
    for vm in vms:
        level = vm_level(vm, objective)
        if level is not None and (best is None or _RANK[level] > _RANK[best]):
            best, best_vm = level, vm
            if level == _TOP:  # none can be higher: the first VM holding it is found
                break
    return best, best_vm


def rank(level: str) -> int:
    """0 for low, 1 for moderate, 2 for high (for comparing levels)."""
    return _RANK[level]


@dataclass(frozen=True, slots=True)
class SystemCategorization:
    """The categorization of a set of VMs (and what the questionnaire states).

    ``objectives`` maps each objective to its high-water mark (never below low
    once anything is categorized); ``overall`` is the mark over the three;
    ``vms_by_level`` counts VMs by their own mark; ``stated`` holds the levels
    the questionnaire states, per objective.
    """

    objectives: dict[str, str | None]
    overall: str | None
    vms_by_level: dict[str, int]
    uncategorized: int
    stated: dict[str, str] = field(default_factory=dict)

    def level(self, objective: str) -> str | None:
        """The mark on one objective, or ("any"/"overall") over the three."""
        return self.overall if objective in ALL_OBJECTIVES else self.objectives.get(objective)

    def to_dict(self) -> dict[str, Any]:
        return {
            "objectives": dict(self.objectives),
            "overall": self.overall,
            "vms_by_level": dict(self.vms_by_level),
            "uncategorized": self.uncategorized,
            "stated": dict(self.stated),
        }


def categorize(vms: Iterable[Vm], stated: Mapping[str, Any] | None = None) -> SystemCategorization:
    """The high-water mark per objective and overall over ``vms`` and the
    levels ``stated`` (objective -> level, e.g. the Initiation answers)."""
    marks: dict[str, list[Any]] = {o: [] for o in OBJECTIVES}
    per_vm: Counter[str] = Counter()
    uncategorized = 0
    for vm in vms:
        c = vm.categorization
        if c is None:
            uncategorized += 1
            continue
        for o in OBJECTIVES:
            marks[o].append(getattr(c, o))
        per_vm[vm_level(vm, "any") or "low"] += 1
    said = {o: v for o, v in (stated or {}).items() if o in marks and v in _RANK}
    for o, v in said.items():
        marks[o].append(v)
    objectives = {o: high_water(marks[o]) for o in OBJECTIVES}
    overall = high_water(objectives.values())
    return SystemCategorization(
        # FIPS 199: an objective is never below low once anything is categorized.
        objectives={o: objectives[o] or ("low" if overall else None) for o in OBJECTIVES},
        overall=overall,
        vms_by_level={level: per_vm[level] for level in LEVELS},
        uncategorized=uncategorized,
        stated=said,
    )
