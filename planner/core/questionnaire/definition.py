"""Loading and validating the YAML definitions under ``questionnaires/``.

A definition file that is malformed fails loudly: :class:`DefinitionError`
lists every problem as ``<file>: <path>: <message>`` (path in the file's own
structure, e.g. ``sections[2].questions[4].weak[0].likelihood``), and nothing is
half-loaded. Defaults that keep the files short are filled in here and nowhere
else: a weak answer's rule id derives from its question id, its references and
controls from the recommendations the question covers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

import questionnaires
from planner.core.analysis.findings import LEVELS
from planner.core.analysis.rules import RULES_BY_ID, SPEC_RULE_IDS, SPEC_V1_1_RULE_IDS

from .conditions import ConditionSyntax
from .model import (
    IMPACT_OBJECTIVES,
    QUESTION_TYPES,
    Catalog,
    Choice,
    LikelihoodFactor,
    MitigationRule,
    Phase,
    Question,
    Questionnaire,
    Recommendation,
    RestatedFact,
    Section,
    WeakAnswer,
)

QUESTIONNAIRE_ID = "virtplan.questionnaire"
CATALOG_ID = "virtplan.catalog"
#: Whose numbering the recommendation ids are: VirtPlan's own, not NIST's.
ID_ORIGIN = "virtplan"
#: The SP 800-125 §5 phases, in lifecycle order, by the ids question ids start with.
PHASES = ("initiation", "planning", "implementation", "operations", "disposition")
#: The topology rule ids fixed by shared/spec/analysis-v1.md (the minimum set, then the
#: v1.1 rules), as the analysis registry holds them: what ``mitigates`` may name.
TOPOLOGY_RULES = (*SPEC_RULE_IDS, *SPEC_V1_1_RULE_IDS)

_SLUG = r"[a-z][a-z0-9_]*"
_CHOICE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_RULE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
_CONTROL = re.compile(r"^[A-Z]{2}-\d+(\(\d+\))?$")


class DefinitionError(ValueError):
    """A definition file does not have the expected shape; ``problems`` says where."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__("invalid questionnaire definition:\n  " + "\n  ".join(problems[:5]) + more)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_yaml(resource: Traversable | Path, name: str | None = None) -> Any:
    """Parse one YAML definition; a syntax error names the file and line."""
    name = name or resource.name
    try:
        return yaml.load(resource.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 -- a SafeLoader
    except FileNotFoundError:
        raise DefinitionError([f"{name}: file not found"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        raise DefinitionError([f"{name}: {where}{getattr(exc, 'problem', None) or exc}"]) from None


class _Checker:
    """Collects (path, message) problems for one file while reading its data."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def mapping(self, data: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> bool:
        if not isinstance(data, dict):
            self.add(path, "expected a mapping")
            return False
        for key in required:
            if key not in data:
                self.add(f"{path}.{key}".lstrip("."), "required")
        for key in sorted(set(data) - set(required) - set(optional), key=str):
            self.add(f"{path}.{key}".lstrip("."), f"unknown key; expected {', '.join(required + optional)}")
        return all(k in data for k in required)

    def text(self, data: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}.{key}".lstrip("."), "expected non-empty text")
            return ""
        return " ".join(value.split()) if "\n" not in value.strip() else value.strip()

    def string_list(self, data: dict[str, Any], key: str, path: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(f"{path}.{key}".lstrip("."), "expected a list of strings")
            return []
        return value

    def integer(self, data: dict[str, Any], key: str, path: str, default: int) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(f"{path}.{key}".lstrip("."), "expected a whole number")
            return default
        return value

    def level(self, data: dict[str, Any], key: str, path: str) -> str:
        value = data.get(key)
        if value not in LEVELS:
            self.add(f"{path}.{key}".lstrip("."), f"expected one of {', '.join(LEVELS)}")
            return "moderate"
        level: str = value
        return level


def _fail_if(problems: list[tuple[str, str]], name: str) -> None:
    if problems:
        raise DefinitionError([f"{name}: {path or '(file)'}: {message}" for path, message in problems])


# ------------------------------------------------------------------ catalog


def load_catalog(source: Traversable | Path | None = None) -> Catalog:
    """The recommendation catalog from ``source`` (a catalog.yaml; default: the packaged one)."""
    resource = source if source is not None else questionnaires.definition(questionnaires.CATALOG_FILE)
    name = resource.name
    data = read_yaml(resource, name)
    problems: list[tuple[str, str]] = []
    check = _Checker(problems)
    required = ("catalog", "version", "ids", "checks", "citations", "groups", "controls", "recommendations")
    if not check.mapping(data, "", required, ("publications",)):
        _fail_if(problems, name)
    if data["catalog"] != CATALOG_ID:
        check.add("catalog", f"expected {CATALOG_ID!r}")
    version = data["version"]
    if not isinstance(version, str):
        check.add("version", "expected a string")
        version = ""
    ids = data["ids"]
    if check.mapping(ids, "ids", ("origin", "statement")) and ids["origin"] != ID_ORIGIN:
        check.add("ids.origin", f"expected {ID_ORIGIN!r}: the recommendation ids are VirtPlan's own")
    id_statement = check.text(ids, "statement", "ids") if isinstance(ids, dict) else ""
    checks = _text_mapping(data["checks"], "checks", check)
    citations: dict[str, tuple[str, str]] = {}
    for key, entry in (data["citations"] or {}).items() if isinstance(data["citations"], dict) else ():
        cpath = f"citations.{key}"
        if check.mapping(entry, cpath, ("checked", "basis")):
            if entry["checked"] not in checks:
                check.add(f"{cpath}.checked", f"expected one of the checks: {', '.join(checks)}")
            citations[key] = (str(entry["checked"]), check.text(entry, "basis", cpath))
    controls = _controls(data["controls"], check)
    groups: dict[str, dict[str, Any]] = {}
    for key, group in data["groups"].items() if isinstance(data["groups"], dict) else ():
        gpath = f"groups.{key}"
        if check.mapping(group, gpath, ("title", "source", "citation")):
            if group["citation"] not in citations:
                check.add(f"{gpath}.citation", f"expected one of the citations: {', '.join(citations)}")
            groups[key] = dict(group)
    recs: dict[str, Recommendation] = {}
    if not isinstance(data["recommendations"], list):
        check.add("recommendations", "expected a list")
    else:
        for i, item in enumerate(data["recommendations"]):
            rec = _recommendation(item, f"recommendations[{i}]", groups, citations, checks, controls, check)
            if rec is None:
                continue
            if rec.id in recs:
                check.add(f"recommendations[{i}].id", f"duplicate recommendation id {rec.id}")
            recs[rec.id] = rec
    _fail_if(problems, name)
    return Catalog(
        version,
        controls,
        recs,
        groups,
        dict(data.get("publications") or {}),
        checks,
        id_statement,
    )


def _text_mapping(data: Any, path: str, check: _Checker) -> dict[str, str]:
    if not isinstance(data, dict) or not data:
        check.add(path, "expected a mapping of names to text")
        return {}
    return {str(k): check.text(data, k, path) for k in data}


def _controls(data: Any, check: _Checker) -> dict[str, str]:
    controls: dict[str, str] = {}
    if not isinstance(data, dict):
        check.add("controls", "expected a mapping of control id to official title")
        return controls
    for cid, title in data.items():
        if not isinstance(cid, str) or not _CONTROL.match(cid):
            check.add(f"controls.{cid}", "expected an SP 800-53 id such as SC-7 or SC-7(13)")
        elif not isinstance(title, str) or not title.strip():
            check.add(f"controls.{cid}", "expected the control's official title")
        else:
            controls[cid] = title
    return controls


def _recommendation(
    item: Any,
    path: str,
    groups: dict[str, dict[str, Any]],
    citations: dict[str, tuple[str, str]],
    checks: dict[str, str],
    controls: dict[str, str],
    check: _Checker,
) -> Recommendation | None:
    required = ("id", "group", "source", "title", "summary", "controls")
    if not check.mapping(item, path, required, ("checked", "basis", "control_basis")):
        return None
    rid = item["id"]
    if not isinstance(rid, str) or not re.match(r"^[A-Z]{2}(-[A-Z0-9]+)+$", rid):
        check.add(f"{path}.id", "expected an id such as HV-5 or LC-INI-2")
        return None
    group = groups.get(item["group"])
    if group is None:
        check.add(f"{path}.group", f"unknown group {item['group']!r}")
    src = item["source"]
    if check.mapping(src, f"{path}.source", ("publication", "section")) and not all(
        isinstance(src[k], str) and src[k] for k in ("publication", "section")
    ):
        check.add(f"{path}.source", "publication and section are text")
    src = src if isinstance(src, dict) else {}
    # The group's citation basis unless the recommendation states its own.
    checked, basis = citations.get(str(group["citation"]), ("", "")) if group else ("", "")
    if "checked" in item:
        checked = item["checked"]
        if checked not in checks:
            check.add(f"{path}.checked", f"expected one of the checks: {', '.join(checks)}")
    if "basis" in item:
        basis = check.text(item, "basis", path)
    cited = check.string_list(item, "controls", path)
    for c in cited:
        if c not in controls:
            check.add(f"{path}.controls", f"{c} is not in the controls section")
    if not cited:
        check.add(f"{path}.controls", "cite at least one SP 800-53 control")
    control_basis = item.get("control_basis") or {}
    if not isinstance(control_basis, dict) or set(control_basis) - set(cited):
        check.add(f"{path}.control_basis", "expected a mapping from cited controls to the reason each is cited")
        control_basis = {}
    return Recommendation(
        rid,
        item["group"],
        str(src.get("publication", "")),
        str(src.get("section", "")),
        check.text(item, "title", path),
        check.text(item, "summary", path),
        tuple(cited),
        str(checked),
        basis,
        {str(k): " ".join(str(v).split()) for k, v in control_basis.items()},
    )


# ------------------------------------------------------------------ questionnaire


def load_questionnaire(source: Traversable | Path | None = None) -> Questionnaire:
    """The questionnaire from the directory ``source`` (default: the packaged files).

    Reads ``questionnaire.yaml`` (version, phase order, catalog file) and each
    phase file it names, validates everything, and raises :class:`DefinitionError`
    listing every problem with its file and path.
    """
    folder = source if source is not None else questionnaires.files()
    if isinstance(folder, str):
        folder = Path(folder)
    top_name = questionnaires.QUESTIONNAIRE_FILE
    top = read_yaml(folder.joinpath(top_name), top_name)
    problems: list[tuple[str, str]] = []
    check = _Checker(problems)
    if not check.mapping(top, "", ("questionnaire", "version", "title", "catalog", "phases"), ("categorization",)):
        _fail_if(problems, top_name)
    if top["questionnaire"] != QUESTIONNAIRE_ID:
        check.add("questionnaire", f"expected {QUESTIONNAIRE_ID!r}")
    if not isinstance(top["version"], str) or not top["version"]:
        check.add("version", 'expected a quoted version string such as "2026.1"')
    phase_entries = top["phases"] if isinstance(top["phases"], list) else []
    if [p.get("id") if isinstance(p, dict) else None for p in phase_entries] != list(PHASES):
        check.add("phases", f"expected the five phases in order: {', '.join(PHASES)}")
    _fail_if(problems, top_name)
    catalog = load_catalog(folder.joinpath(top["catalog"]))

    known: dict[str, tuple[str, tuple[str, ...]]] = {}  # question id -> (type, choices), in order
    questions: dict[str, Question] = {}
    rule_owner: dict[str, str] = {}
    phases = []
    all_problems: list[str] = []
    for i, entry in enumerate(phase_entries):
        entry_problems: list[tuple[str, str]] = []
        if _Checker(entry_problems).mapping(entry, f"phases[{i}]", ("id", "file")):
            file_name = entry["file"]
            try:
                phase = _load_phase(
                    folder.joinpath(file_name), file_name, entry["id"], catalog, known, questions, rule_owner
                )
                phases.append(phase)
            except DefinitionError as exc:
                all_problems.extend(exc.problems)
        all_problems.extend(f"{top_name}: {p}: {m}" for p, m in entry_problems)
    categorization = top.get("categorization") or {}
    for objective, qid in categorization.items() if isinstance(categorization, dict) else []:
        if objective not in IMPACT_OBJECTIVES[:3]:
            all_problems.append(
                f"{top_name}: categorization.{objective}: expected confidentiality, integrity or availability"
            )
        elif (
            qid not in known
            or known[qid][0] != "single_choice"
            or not {"low", "moderate", "high"} <= set(known[qid][1])
        ):
            all_problems.append(
                f"{top_name}: categorization.{objective}: {qid!r} must be a single_choice question "
                "with choices low, moderate, high"
            )
    if all_problems:
        raise DefinitionError(all_problems)
    return Questionnaire(
        QUESTIONNAIRE_ID, top["version"], top["title"], tuple(phases), catalog, dict(categorization), questions
    )


#: The questions a condition may reference so far: id -> (type, choice values).
_Known = dict[str, tuple[str, tuple[str, ...]]]


def _load_phase(
    resource: Traversable | Path,
    name: str,
    phase_id: str,
    catalog: Catalog,
    known: _Known,
    questions: dict[str, Question],
    rule_owner: dict[str, str],
) -> Phase:
    data = read_yaml(resource, name)
    problems: list[tuple[str, str]] = []
    check = _Checker(problems)
    if not check.mapping(data, "", ("phase", "title", "source", "sections"), ("description",)):
        _fail_if(problems, name)
    if data["phase"] != phase_id:
        check.add("phase", f"expected {phase_id!r} (the id questionnaire.yaml gives this file)")
    sections = []
    section_ids = set()
    for s, sdata in enumerate(data["sections"] if isinstance(data["sections"], list) else []):
        spath = f"sections[{s}]"
        if not check.mapping(sdata, spath, ("id", "title", "questions")):
            continue
        sid = sdata["id"]
        if not isinstance(sid, str) or not re.fullmatch(_SLUG, sid):
            check.add(f"{spath}.id", "expected a lowercase slug (letters, digits, underscores)")
            continue
        if sid in section_ids:
            check.add(f"{spath}.id", f"duplicate section id {sid}")
        section_ids.add(sid)
        items = sdata["questions"] if isinstance(sdata["questions"], list) else []
        if not items:
            check.add(f"{spath}.questions", "expected a non-empty list of questions")
        qs = []
        for q, qdata in enumerate(items):
            question = _question(qdata, f"{spath}.questions[{q}]", phase_id, sid, catalog, known, rule_owner, check)
            if question:
                questions[question.id] = question
                qs.append(question)
        sections.append(Section(sid, check.text(sdata, "title", spath), tuple(qs)))
    if not isinstance(data["sections"], list) or not data["sections"]:
        check.add("sections", "expected a non-empty list of sections")
    phase = Phase(
        phase_id,
        check.text(data, "title", ""),
        check.text(data, "source", ""),
        data.get("description", "") or "",
        tuple(sections),
    )
    _fail_if(problems, name)
    return phase


_QUESTION_KEYS = ("id", "text", "help", "type")
_QUESTION_OPTIONAL = ("choices", "min", "max", "covers", "applies_when", "weak", "mitigates", "restates")
_WEAK_KEYS = ("when", "title", "likelihood", "likelihood_basis", "impact", "remediation")
_WEAK_OPTIONAL = ("rule", "likelihood_factors", "impact_steps", "impact_basis", "references", "controls")


def _question(
    data: Any,
    path: str,
    phase_id: str,
    section_id: str,
    catalog: Catalog,
    known: _Known,
    rule_owner: dict[str, str],
    check: _Checker,
) -> Question | None:
    if not check.mapping(data, path, _QUESTION_KEYS, _QUESTION_OPTIONAL):
        return None
    qid = data["id"]
    if not isinstance(qid, str) or not re.fullmatch(rf"{_SLUG}\.{_SLUG}\.{_SLUG}", qid):
        check.add(f"{path}.id", "expected <phase>.<section>.<slug>, lowercase with underscores")
        return None
    if qid.split(".")[:2] != [phase_id, section_id]:
        check.add(f"{path}.id", f"must start with {phase_id}.{section_id}.")
    if qid in known:
        check.add(f"{path}.id", f"duplicate question id {qid}")
        return None
    qtype = data["type"]
    if qtype not in QUESTION_TYPES:
        check.add(f"{path}.type", f"expected one of {', '.join(QUESTION_TYPES)}")
        return None
    choices = _choices(data, path, qtype, check)
    values = tuple(c.value for c in choices)
    minimum, maximum = data.get("min"), data.get("max")
    for key, bound in (("min", minimum), ("max", maximum)):
        if bound is not None and (qtype != "number" or not isinstance(bound, (int, float)) or isinstance(bound, bool)):
            check.add(f"{path}.{key}", "only number questions have bounds, and a bound is a number")
    covers = check.string_list(data, "covers", path)
    for rid in covers:
        if rid not in catalog.recommendations:
            check.add(f"{path}.covers", f"{rid} is not a recommendation in the catalog")
    syntax = ConditionSyntax(known, check.problems)
    applies = syntax.parse(data["applies_when"], f"{path}.applies_when") if "applies_when" in data else None
    own = (qtype, values)
    weak = tuple(
        filter(
            None,
            (
                _weak(w, f"{path}.weak[{i}]", qid, covers, catalog, syntax, own, rule_owner, check)
                for i, w in enumerate(_list(data, "weak", path, check))
            ),
        )
    )
    mitigates = tuple(
        filter(
            None,
            (
                _mitigation(m, f"{path}.mitigates[{i}]", syntax, own, check)
                for i, m in enumerate(_list(data, "mitigates", path, check))
            ),
        )
    )
    restates = tuple(
        filter(
            None,
            (
                _restated(r, f"{path}.restates[{i}]", syntax, own, check)
                for i, r in enumerate(_list(data, "restates", path, check))
            ),
        )
    )
    for i, m in enumerate(mitigates):
        if m.rule in {r.rule for r in restates}:
            check.add(
                f"{path}.mitigates[{i}].rule",
                f"the question restates the fact {m.rule} reads in the inventory, so it cannot also mitigate it: "
                "an answer must not lower a finding the inventory proves",
            )
    known[qid] = own
    return Question(
        qid,
        phase_id,
        section_id,
        check.text(data, "text", path),
        check.text(data, "help", path),
        qtype,
        choices,
        minimum,
        maximum,
        tuple(covers),
        applies,
        weak,
        mitigates,
        restates,
    )


def _list(data: dict[str, Any], key: str, path: str, check: _Checker) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        check.add(f"{path}.{key}", "expected a list")
        return []
    return value


def _choices(data: dict[str, Any], path: str, qtype: str, check: _Checker) -> tuple[Choice, ...]:
    raw = data.get("choices")
    if qtype not in ("single_choice", "multiple_choice"):
        if raw is not None:
            check.add(f"{path}.choices", f"a {qtype} question has no choices")
        return ()
    if not isinstance(raw, list) or len(raw) < 2:
        check.add(f"{path}.choices", "expected a list of at least two choices")
        return ()
    out: list[Choice] = []
    for i, given in enumerate(raw):
        item = given
        if isinstance(given, str):
            item = {"value": given, "label": given.replace("-", " ").replace("_", " ").capitalize()}
        if not check.mapping(item, f"{path}.choices[{i}]", ("value", "label")):
            continue
        value = item["value"]
        if not isinstance(value, str) or not _CHOICE.match(value):
            check.add(f"{path}.choices[{i}].value", "expected a lowercase string (quote yes/no/on/off in YAML)")
        elif value in (c.value for c in out):
            check.add(f"{path}.choices[{i}].value", f"duplicate choice {value}")
        else:
            out.append(Choice(value, check.text(item, "label", f"{path}.choices[{i}]")))
    return tuple(out)


def _weak(
    data: Any,
    path: str,
    qid: str,
    covers: list[str],
    catalog: Catalog,
    syntax: ConditionSyntax,
    own: tuple[str, tuple[str, ...]],
    rule_owner: dict[str, str],
    check: _Checker,
) -> WeakAnswer | None:
    if not check.mapping(data, path, _WEAK_KEYS, _WEAK_OPTIONAL):
        return None
    when = syntax.parse(data["when"], f"{path}.when", own)
    rule = data.get("rule") or "Q-" + re.sub(r"[._]", "-", qid).upper()
    if not isinstance(rule, str) or not _RULE.match(rule) or not rule.startswith("Q-"):
        check.add(f"{path}.rule", "expected an id such as Q-MGMT-ACCESS (uppercase, starting Q-)")
    elif rule_owner.setdefault(rule, qid) != qid:
        check.add(f"{path}.rule", f"rule {rule} already belongs to question {rule_owner[rule]}")
    impact = data["impact"]
    if impact not in IMPACT_OBJECTIVES:
        check.add(f"{path}.impact", f"expected the FIPS 199 objective hit: {', '.join(IMPACT_OBJECTIVES)}")
    steps = check.integer(data, "impact_steps", path, 0)
    factors = []
    for i, f in enumerate(_list(data, "likelihood_factors", path, check)):
        fpath = f"{path}.likelihood_factors[{i}]"
        if check.mapping(f, fpath, ("when", "steps", "factor")):
            cond = syntax.parse(f["when"], f"{fpath}.when")
            if cond:
                factors.append(
                    LikelihoodFactor(cond, check.integer(f, "steps", fpath, 0), check.text(f, "factor", fpath))
                )
    references = [catalog.recommendations[r].citation for r in covers if r in catalog.recommendations]
    references += [r for r in check.string_list(data, "references", path) if r not in references]
    if "controls" in data:
        controls = check.string_list(data, "controls", path)
    else:
        controls = list(
            dict.fromkeys(
                c for r in covers if r in catalog.recommendations for c in catalog.recommendations[r].controls
            )
        )
    for c in controls:
        if c not in catalog.controls:
            check.add(f"{path}.controls", f"{c} is not in the catalog's controls")
    objective = impact if impact in IMPACT_OBJECTIVES else "overall"
    basis = data.get("impact_basis") or (
        f"FIPS 199 high-water mark of the plan on {objective}"
        if objective != "overall"
        else "FIPS 199 high-water mark of the plan over confidentiality, integrity and availability"
    )
    if not when:
        return None
    return WeakAnswer(
        when,
        rule,
        check.text(data, "title", path),
        check.level(data, "likelihood", path),
        check.text(data, "likelihood_basis", path),
        objective,
        steps,
        basis,
        check.text(data, "remediation", path),
        tuple(references),
        tuple(controls),
        tuple(factors),
    )


def _mitigation(
    data: Any, path: str, syntax: ConditionSyntax, own: tuple[str, tuple[str, ...]], check: _Checker
) -> MitigationRule | None:
    if not check.mapping(data, path, ("rule", "when", "factor"), ("steps",)):
        return None
    if data["rule"] not in TOPOLOGY_RULES:
        check.add(f"{path}.rule", f"{data['rule']!r} is not a topology rule id of the analysis contract")
    steps = check.integer(data, "steps", path, -1)
    if steps >= 0:
        check.add(f"{path}.steps", "a mitigation lowers the likelihood: use a negative number of steps")
    when = syntax.parse(data["when"], f"{path}.when", own)
    return MitigationRule(data["rule"], when, steps, check.text(data, "factor", path)) if when else None


def _restated(
    data: Any, path: str, syntax: ConditionSyntax, own: tuple[str, tuple[str, ...]], check: _Checker
) -> RestatedFact | None:
    if not check.mapping(data, path, ("rule", "when", "claim")):
        return None
    if data["rule"] not in RULES_BY_ID:
        check.add(f"{path}.rule", f"{data['rule']!r} is not an analysis rule id")
    when = syntax.parse(data["when"], f"{path}.when", own)
    return RestatedFact(data["rule"], when, check.text(data, "claim", path)) if when else None


#: The SP 800-53B baselines, and the FIPS 199 level whose systems each one is for.
BASELINES = ("LOW", "MODERATE", "HIGH", "PRIVACY")
BASELINE_OF_LEVEL = {"low": "LOW", "moderate": "MODERATE", "high": "HIGH"}


def load_control_baselines(source: Traversable | Path | None = None) -> dict[str, frozenset[str]]:
    """The controls each SP 800-53B baseline selects (``questionnaires/sp800-53r5-baselines.yaml``)."""
    resource = source if source is not None else questionnaires.definition(questionnaires.BASELINES_FILE)
    name = resource.name
    data = read_yaml(resource, name)
    problems: list[tuple[str, str]] = []
    check = _Checker(problems)
    out: dict[str, frozenset[str]] = {}
    if check.mapping(data, "", ("baselines", "version", *BASELINES)):
        if data["baselines"] != "virtplan.sp800-53b":
            check.add("baselines", "expected 'virtplan.sp800-53b'")
        for key in BASELINES:
            ids = check.string_list(data, key, "")
            for i, cid in enumerate(ids):
                if not _CONTROL.match(cid):
                    check.add(f"{key}[{i}]", f"expected an SP 800-53 id such as SC-7 or SC-7(13), got {cid!r}")
            out[key] = frozenset(ids)
    _fail_if(problems, name)
    return out


@lru_cache(maxsize=1)
def control_baselines() -> dict[str, frozenset[str]]:
    """The packaged SP 800-53B baselines, loaded once per process."""
    return load_control_baselines()


@lru_cache(maxsize=1)
def default_questionnaire() -> Questionnaire:
    """The packaged questionnaire, loaded once per process."""
    return load_questionnaire()
