"""The condition language of the questionnaire definitions.

Conditions decide when a question applies (``applies_when``), which answers are
weak (``weak[].when``), which answers mitigate a topology rule
(``mitigates[].when``) and when a weak answer's likelihood moves
(``likelihood_factors[].when``). They are data, written in YAML:

- a **test** is a mapping with at most one *subject* and at most one *operator*:
  ``{answer: initiation.scope.desktop_virtualization, equals: true}``,
  ``{inventory: type2_hypervisor}``, ``{inventory: hypervisor_products, includes: esxi}``.
  Subjects: ``answer: <question id>`` (an earlier question), ``inventory: <fact>``
  (see :data:`INVENTORY_FACTS`), or none, meaning the answer to the question the
  condition belongs to (``when: {equals: false}``).
  Operators: ``equals``, ``in`` (one of a list), ``includes`` (a multiple-choice
  answer or a set-valued fact contains the value), ``greater_than``, ``less_than``,
  ``at_least``, ``at_most`` (numbers), ``older_than_days`` (a date answer lies
  more than N days before the plan's reference date). Without an operator the
  test holds when the subject is true, non-empty or non-zero.
- **combinators**: ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``; a plain list
  means ``all``.

Evaluation is three-valued, because a plan is often answered before its
inventory is complete: an answer subject whose question is unanswered, or an
inventory fact when there is no inventory, is *unknown*. ``all``/``any``/``not``
follow Kleene logic. A question whose ``applies_when`` is unknown is shown (it
applies until the plan says otherwise); a weak-answer or mitigation condition
must be plainly true to count. An answer subject whose question does not apply
is *false* (the premise is absent), so questions that hang off an inapplicable
question do not apply either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from planner.core.fips199 import vm_level
from planner.core.inventory.estate import Estate

# ---------------------------------------------------------------- inventory facts


#: An inventory fact, computed from the estate.
Fact = Callable[[Estate], Any]


def _hosts_of_type(kind: int) -> Fact:
    return lambda e: any(h.hypervisor is not None and h.hypervisor.type == kind for h in e.hosts.values())


_NETWORK_STORAGE = {"nfs", "iscsi", "fc", "vsan"}


def _mixed_zone_host(estate: Estate) -> bool:
    """Some host runs VMs of two or more zones (whatever the zone-mixing policy)."""
    zones_on: dict[str, set[str]] = {}
    for vm in estate.vms.values():
        if vm.host is not None and vm.zone is not None:
            zones_on.setdefault(vm.host, set()).add(vm.zone)
    return any(len(zones) > 1 for zones in zones_on.values())


#: Inventory facts a condition may test: name -> (kind, function of the Estate).
#: kind "flag" is a bool, "set" a set of strings or numbers, "count" an integer.
INVENTORY_FACTS: dict[str, tuple[str, Fact]] = {
    "type1_hypervisor": ("flag", _hosts_of_type(1)),
    "type2_hypervisor": ("flag", _hosts_of_type(2)),
    "hypervisor_products": ("set", lambda e: {h.hypervisor.product for h in e.hosts.values() if h.hypervisor}),
    "internet_facing_vm": ("flag", lambda e: any(v.internet_facing for v in e.vms.values())),
    "high_impact_vm": ("flag", lambda e: any(vm_level(v, "any") == "high" for v in e.vms.values())),
    "multiple_zones": ("flag", lambda e: len({v.zone for v in e.vms.values() if v.zone}) > 1),
    "mixed_zone_host": ("flag", _mixed_zone_host),
    "trust_levels": ("set", lambda e: {z.trust_level for z in e.zones.values()}),
    "virtual_appliance": ("flag", lambda e: any(a.vm for a in e.appliances.values())),
    "network_storage": ("flag", lambda e: any(d.kind in _NETWORK_STORAGE for d in e.datastores.values())),
    "shared_datastore": ("flag", lambda e: any(len(d.hosts) > 1 for d in e.datastores.values())),
    "overlay_network": ("flag", lambda e: any(n.kind == "overlay" for n in e.networks.values())),
    "migration_network": ("flag", lambda e: any(n.purpose == "migration" for n in e.networks.values())),
    "clustered_hosts": (
        "flag",
        lambda e: len(e.hosts) > 1 and any(sum(1 for h in e.hosts.values() if h.cluster == c) > 1 for c in e.clusters),
    ),
    "host_count": ("count", lambda e: len(e.hosts)),
    "vm_count": ("count", lambda e: len(e.vms)),
}

_FACT_WORDS = {
    "type1_hypervisor": "a bare-metal (type 1) hypervisor",
    "type2_hypervisor": "a hosted (type 2) hypervisor",
    "internet_facing_vm": "an internet-facing VM",
    "high_impact_vm": "a VM categorized high",
    "multiple_zones": "VMs in more than one zone",
    "mixed_zone_host": "a host running VMs of more than one zone",
    "virtual_appliance": "a virtual security appliance",
    "network_storage": "network storage (NFS, iSCSI, FC, vSAN)",
    "shared_datastore": "a datastore shared by hosts",
    "overlay_network": "an overlay network",
    "migration_network": "a migration network",
    "clustered_hosts": "a cluster of several hosts",
}

NUMERIC_OPERATORS = ("greater_than", "less_than", "at_least", "at_most")
OPERATORS = ("equals", "in", "includes", *NUMERIC_OPERATORS, "older_than_days")
#: Which operators make sense on which kind of subject (question type or fact kind).
OPERATORS_BY_KIND = {
    "yes_no": {"equals"},
    "single_choice": {"equals", "in"},
    "multiple_choice": {"includes", "equals"},
    "number": {"equals", *NUMERIC_OPERATORS},
    "date": {"older_than_days"},
    "text": set(),
    "flag": {"equals"},
    "set": {"includes"},
    "count": {"equals", *NUMERIC_OPERATORS},
}


class Context(Protocol):
    """What a condition is evaluated against (see :class:`.engine.Evaluation`)."""

    def answer_state(self, qid: str) -> tuple[str, Any]:
        """("inapplicable" | "unanswered" | "answered", value)."""

    def fact(self, name: str) -> Any:
        """The inventory fact's value, or None when there is no inventory."""

    @property
    def as_of(self) -> dt.date: ...


# ---------------------------------------------------------------- condition tree


class Condition:
    """A parsed condition. ``evaluate`` returns True, False or None (unknown)."""

    def evaluate(self, ctx: Context, own: Any = None) -> bool | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_data(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def answer_refs(self) -> set[str]:
        return set()


@dataclass(frozen=True, slots=True)
class All(Condition):
    parts: tuple[Condition, ...]

    def evaluate(self, ctx: Context, own: Any = None) -> bool | None:
        values = [p.evaluate(ctx, own) for p in self.parts]
        return False if False in values else (None if None in values else True)

    def to_data(self) -> dict[str, Any]:
        return {"all": [p.to_data() for p in self.parts]}

    def describe(self) -> str:
        return " and ".join(_paren(p) for p in self.parts)

    def answer_refs(self) -> set[str]:
        return set[str]().union(*(p.answer_refs() for p in self.parts))


@dataclass(frozen=True, slots=True)
class Any_(Condition):
    parts: tuple[Condition, ...]

    def evaluate(self, ctx: Context, own: Any = None) -> bool | None:
        values = [p.evaluate(ctx, own) for p in self.parts]
        return True if True in values else (None if None in values else False)

    def to_data(self) -> dict[str, Any]:
        return {"any": [p.to_data() for p in self.parts]}

    def describe(self) -> str:
        return " or ".join(_paren(p) for p in self.parts)

    def answer_refs(self) -> set[str]:
        return set[str]().union(*(p.answer_refs() for p in self.parts))


@dataclass(frozen=True, slots=True)
class Not(Condition):
    part: Condition

    def evaluate(self, ctx: Context, own: Any = None) -> bool | None:
        value = self.part.evaluate(ctx, own)
        return None if value is None else not value

    def to_data(self) -> dict[str, Any]:
        return {"not": self.part.to_data()}

    def describe(self) -> str:
        return f"not {_paren(self.part)}"

    def answer_refs(self) -> set[str]:
        return self.part.answer_refs()


def _paren(c: Condition) -> str:
    return f"({c.describe()})" if isinstance(c, (All, Any_)) else c.describe()


@dataclass(frozen=True, slots=True)
class Test(Condition):
    """One subject, one operator (or none: truthiness)."""

    subject: str  # "answer", "inventory" or "self"
    name: str  # question id or fact name; "" for "self"
    operator: str | None
    operand: Any = None

    def evaluate(self, ctx: Context, own: Any = None) -> bool | None:
        if self.subject == "inventory":
            value = ctx.fact(self.name)
            if value is None:
                return None
        else:
            if self.subject == "answer":
                state, value = ctx.answer_state(self.name)
                if state == "inapplicable":
                    return False
            else:
                value = own
            if _blank(value):
                return None
        return _apply(self.operator, value, self.operand, ctx)

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.subject == "self" else {self.subject: self.name}
        if self.operator:
            out[self.operator] = self.operand
        return out

    def describe(self) -> str:
        who = {"self": "the answer", "answer": f"the answer to {self.name}"}.get(self.subject, "")
        if self.subject == "inventory":
            words = _FACT_WORDS.get(self.name)
            if self.operator is None and words:
                return f"the inventory has {words}"
            who = f"inventory {self.name.replace('_', ' ')}"
        if self.operator is None:
            return f"{who} is given"
        return f"{who} {self.operator.replace('_', ' ')} {_show(self.operand)}"

    def answer_refs(self) -> set[str]:
        return {self.name} if self.subject == "answer" else set()


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_date(value: Any) -> dt.date | None:
    """A date answer (a date object or an ISO 8601 string) as a date, or None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _apply(op: str | None, value: Any, operand: Any, ctx: Context) -> bool:
    if op is None:
        return bool(value)
    if op == "equals":
        if isinstance(value, (list, set, tuple)) and isinstance(operand, list):
            return set(value) == set(operand)
        return (value == operand and type(value) is type(operand)) or (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and isinstance(operand, (int, float))
            and value == operand
        )
    if op == "in":
        return value in operand
    if op == "includes":
        return operand in value
    if op == "greater_than":
        return bool(value > operand)
    if op == "less_than":
        return bool(value < operand)
    if op == "at_least":
        return bool(value >= operand)
    if op == "at_most":
        return bool(value <= operand)
    if op == "older_than_days":
        day = as_date(value)
        return day is not None and (ctx.as_of - day).days > operand
    raise AssertionError(op)


# ---------------------------------------------------------------- parsing


class ConditionSyntax:
    """Parses condition data, appending (path, message) problems.

    ``questions`` maps the ids a condition may reference (those defined earlier)
    to (type, choice values); ``own`` is the (type, choice values) of the
    question a subject-less test refers to, or None where that is not allowed.
    """

    def __init__(self, questions: dict[str, tuple[str, tuple[str, ...]]], problems: list[tuple[str, str]]):
        self.questions = questions
        self.problems = problems

    def parse(self, data: Any, path: str, own: tuple[str, tuple[str, ...]] | None = None) -> Condition | None:
        if isinstance(data, list):
            return self._combine(All, data, path, own)
        if not isinstance(data, dict) or not data:
            self.problems.append((path, "a condition is a non-empty mapping or a list of conditions"))
            return None
        if set(data) & {"all", "any", "not"}:
            if len(data) != 1:
                self.problems.append((path, "all/any/not stand alone in their mapping"))
                return None
            ((key, value),) = data.items()
            if key == "not":
                inner = self.parse(value, f"{path}.not", own)
                return Not(inner) if inner else None
            if not isinstance(value, list) or not value:
                self.problems.append((f"{path}.{key}", "expected a non-empty list of conditions"))
                return None
            return self._combine(All if key == "all" else Any_, value, f"{path}.{key}", own)
        return self._test(data, path, own)

    def _combine(
        self,
        kind: type[All] | type[Any_],
        items: list[Any],
        path: str,
        own: tuple[str, tuple[str, ...]] | None,
    ) -> Condition | None:
        parts = [self.parse(item, f"{path}[{i}]", own) for i, item in enumerate(items)]
        if not items:
            self.problems.append((path, "expected at least one condition"))
        parsed = [p for p in parts if p is not None]
        return kind(tuple(parsed)) if parts and len(parsed) == len(parts) else None

    def _test(self, data: dict[str, Any], path: str, own: tuple[str, tuple[str, ...]] | None) -> Test | None:
        unknown = sorted(set(data) - {"answer", "inventory", *OPERATORS})
        if unknown:
            self.problems.append(
                (
                    path,
                    f"unknown key(s) {', '.join(unknown)}; expected answer or inventory and "
                    f"one of {', '.join(OPERATORS)}, or all/any/not",
                )
            )
            return None
        subjects = [k for k in ("answer", "inventory") if k in data]
        operators = [k for k in OPERATORS if k in data]
        if len(subjects) > 1 or len(operators) > 1:
            self.problems.append((path, "a test has at most one subject (answer/inventory) and one operator"))
            return None
        op = operators[0] if operators else None
        operand = data.get(op) if op else None
        if not subjects:
            if own is None:
                self.problems.append((path, "a test here needs a subject: answer: <question id> or inventory: <fact>"))
                return None
            if op is None:
                self.problems.append((path, "a test of the question's own answer needs an operator"))
                return None
            kind, choices = own
            subject, name = "self", ""
        elif subjects[0] == "answer":
            name = data["answer"]
            if name not in self.questions:
                self.problems.append((f"{path}.answer", f"{name!r} is not a question defined before this one"))
                return None
            kind, choices = self.questions[name]
            subject = "answer"
        else:
            name = data["inventory"]
            if name not in INVENTORY_FACTS:
                self.problems.append(
                    (f"{path}.inventory", f"unknown inventory fact {name!r}; known: {', '.join(INVENTORY_FACTS)}")
                )
                return None
            kind, choices = INVENTORY_FACTS[name][0], ()
            subject = "inventory"
        if op is not None and op not in OPERATORS_BY_KIND[kind]:
            allowed = ", ".join(sorted(OPERATORS_BY_KIND[kind])) or "none (test that it is answered)"
            self.problems.append(
                (f"{path}.{op}", f"operator {op} does not apply to a {kind} subject; allowed: {allowed}")
            )
            return None
        message = _check_operand(kind, choices, op, operand)
        if message:
            self.problems.append((f"{path}.{op}", message))
            return None
        return Test(subject, name, op, operand)


def _check_operand(kind: str, choices: tuple[str, ...], op: str | None, operand: Any) -> str | None:
    if op is None:
        return None
    is_number = isinstance(operand, (int, float)) and not isinstance(operand, bool)
    if kind in ("yes_no", "flag"):
        return None if isinstance(operand, bool) else "expected true or false"
    if kind == "single_choice":
        values = operand if op == "in" else [operand]
        if op == "in" and not isinstance(operand, list):
            return "expected a list of choices"
        bad = [v for v in values if v not in choices]
        return f"not among the question's choices: {', '.join(map(str, bad))}" if bad else None
    if kind == "multiple_choice":
        values = operand if op == "equals" else [operand]
        if op == "equals" and not isinstance(operand, list):
            return "expected a list of choices"
        bad = [v for v in values if v not in choices]
        return f"not among the question's choices: {', '.join(map(str, bad))}" if bad else None
    if kind in ("number", "count"):
        return None if is_number else "expected a number"
    if kind == "date":
        return (
            None
            if isinstance(operand, int) and not isinstance(operand, bool) and operand >= 0
            else "expected a whole number of days >= 0"
        )
    if kind == "set":
        return None if isinstance(operand, (str, int)) and not isinstance(operand, bool) else "expected a value"
    return None
