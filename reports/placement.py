"""The placement advice in words: what the security plan's placement chapter
(and the web plan page's placement tab) says about an advice.

An advice is what :func:`planner.core.assessment.placement_advice` returns,
as a plan keeps it (:func:`~planner.core.assessment.kept_advice`) — the same
figures ``virtplan place`` prints. :func:`told` turns it into what a reader
needs to decide on it: what it buys in risk terms (the findings that
disappear, appear or change risk, grouped by rule, each with its objects and
its number in the risk register), each change with its reason and the
finding it removes, per migration domain whether the result is proven
optimal or the best found with its bound, and the hosts serving one zone.

Long lists are cut here, never in a template: the ``*_LIMIT`` constants, with
how many were left out (the JSON export has them all).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planner.core.analysis.findings import LEVELS, ObjectRef
from planner.core.text import plural

from .contents import LEVEL_LABELS, object_label  # contents imports this module when it needs it

#: Changes (moves and first placements) listed one per row.
MOVES_LIMIT = 200
#: VMs that cannot be placed, hosts still mixing zones and pinned VMs breaking
#: a constraint listed one per row.
ROWS_LIMIT = 100
#: Migration domains listed one per row; the rest are counted.
DOMAINS_LIMIT = 60
#: Objects named per group of findings; the rest are counted.
OBJECTS_LIMIT = 12
#: Hosts named per zone among the hosts serving one zone.
HOSTS_LIMIT = 30

#: The levels of the objective a reader weighs, in the contract's order, as a domain's table names them.
DOMAIN_LEVELS = (
    ("unplaced", "VMs without a host"),
    ("conflicting_hosts", "Hosts mixing zones"),
    ("moves", "Moves"),
)
#: A domain's note that only repeats its status.
REDUNDANT_NOTE = "proven optimal by CP-SAT"
#: What the advisor's "not placed yet" means to a reader.
FIRST_PLACEMENT = "the VM has no host yet"

FindingKey = tuple[str, tuple[tuple[str, str], ...]]


def finding_key(rule: str, objects: Iterable[Any]) -> FindingKey:
    """A finding's identity across two analyses: its rule and its objects (dicts or object refs)."""
    return rule, tuple(
        (o["kind"], o["id"]) if isinstance(o, Mapping) else (o.kind, o.id)  # stored advice, or a finding
        for o in objects
    )


def _listing(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cut(items: Sequence[Any], limit: int) -> tuple[list[Any], int]:
    return list(items[:limit]), max(0, len(items) - limit)


def _level(risk: str) -> str:
    return LEVEL_LABELS.get(risk, risk).lower()


def _by_risk(findings: Sequence[Mapping[str, Any]]) -> str:
    """``1 high-risk and 2 low-risk``: how many findings of each level, worst first."""
    counts = {level: 0 for level in reversed(LEVELS)}
    for f in findings:
        counts[f["risk"]] = counts.get(f["risk"], 0) + 1
    return _listing([f"{n:,} {_level(level)}-risk" for level, n in counts.items() if n])


def finding_groups(
    findings: Sequence[Mapping[str, Any]],
    estate: Any,
    refs: Mapping[FindingKey, str] | None = None,
    limit: int = OBJECTS_LIMIT,
) -> list[dict[str, Any]]:
    """Findings grouped by rule and risk (and the risk before, for a change), in the advice's order
    (its analysis's: worst first); each group with its objects in words and its register numbers."""
    groups: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for f in findings:
        key = (f["rule"], f["risk"], f.get("risk_before"))
        group = groups.setdefault(
            key,
            {
                "rule": f["rule"],
                "title": f.get("title") or f["rule"],
                "risk": f["risk"],
                "risk_before": f.get("risk_before"),
                "findings": 0,
                "where": [],
                "refs": [],
            },
        )
        group["findings"] += 1
        group["where"].append(", ".join(object_label(ObjectRef(o["kind"], o["id"]), estate) for o in f["objects"]))
        ref = (refs or {}).get(finding_key(f["rule"], f["objects"]))
        if ref is not None:
            group["refs"].append(ref)
    out = []
    for group in groups.values():
        group["where"], group["more"] = _cut(group["where"], limit)
        group["refs"], group["refs_more"] = _cut(group["refs"], limit)
        out.append(group)
    return out


def _clusters(clusters: Sequence[str | None], estate: Any) -> list[dict[str, str | None]]:
    """A domain's clusters as a reader names them: ``{"label", "id"}`` (the id None when it is the label)."""
    if not clusters:
        return [{"label": "VMs no host may take", "id": None}]
    out: list[dict[str, str | None]] = []
    for c in clusters:
        if c is None:
            out.append({"label": "Hosts without a cluster", "id": None})
            continue
        name = getattr(estate.clusters.get(c), "name", None) if estate is not None else None
        out.append({"label": name or c, "id": c if name and name != c else None})
    return out


def _domain(d: Mapping[str, Any], estate: Any) -> dict[str, Any]:
    result, bound = d.get("result") or {}, d.get("bound") or {}
    optimal = d.get("status") == "optimal"
    levels = []
    for key, label in DOMAIN_LEVELS:
        value, least = result.get(key), bound.get(key)
        if value is None:
            proof = "not measured"
        elif optimal or least == value:
            proof = "proven minimum"
        elif not least:  # unknown, or 0: nothing proven beyond the obvious
            proof = "not proven the minimum"
        else:
            proof = f"not proven the minimum; no placement has fewer than {least:,}"
        levels.append({"key": key, "label": label, "value": value, "bound": least, "proof": proof})
    note = str(d.get("note") or "")
    if note == REDUNDANT_NOTE:
        note = ""
    return {
        "names": _clusters(d.get("clusters") or [], estate),
        "clusters": list(d.get("clusters") or []),
        "hosts": d.get("hosts", 0),
        "vms": d.get("vms", 0),
        "optimal": optimal,
        "status": "Proven optimal" if optimal else "Best found",
        "method": "exact solver (CP-SAT)" if d.get("method") == "cp-sat" else "heuristic",
        "levels": levels,
        "note": note,
    }


def _changes(advice: Mapping[str, Any], removed: set[FindingKey], refs: Mapping[FindingKey, str]) -> list[dict]:
    """Each change of host with its reason, and the finding it removes where the advice removes it."""
    out = []
    for m in advice.get("moves") or []:
        resolves = m.get("resolves")
        removes = None
        if resolves:
            key = finding_key(resolves["rule"], [{"kind": "host", "id": resolves["host"]}])
            if key in removed:
                removes = {"rule": resolves["rule"], "host": resolves["host"], "ref": refs.get(key)}
        reason = m.get("reason") or ""
        out.append(
            {
                "vm": m["vm"],
                "from": m.get("from"),
                "to": m["to"],
                "cluster": m.get("cluster"),
                "reason": FIRST_PLACEMENT if reason == "not placed yet" else reason,
                "removes": removes,
            }
        )
    return out


def _serving(advice: Mapping[str, Any], estate: Any) -> list[dict[str, Any]]:
    """Each zone with the hosts serving it alone after the advice; hosts the inventory dedicates to it marked."""
    out = []
    zones = getattr(estate, "zones", {}) if estate is not None else {}
    hosts = getattr(estate, "hosts", {}) if estate is not None else {}
    # By zone id, as the advisor lists them: a stored advice comes back from PostgreSQL's JSONB in another order.
    for zone, ids in sorted((advice.get("hosts_by_zone") or {}).items()):
        z = zones.get(zone)
        named = [{"id": h, "dedicated": getattr(hosts.get(h), "dedicated_zone", None) == zone} for h in ids]
        shown, more = _cut(named, HOSTS_LIMIT)
        out.append(
            {
                "zone": zone,
                "label": z.label if z is not None else zone,
                "hosts": shown,
                "more": more,
                "count": len(ids),
            }
        )
    return out


def _summary(told: Mapping[str, Any], removed: Sequence[Mapping], added: Sequence[Mapping]) -> list[str]:
    """What the advice buys, in sentences a consultant signs (``removed``, ``added``: the advice's findings)."""
    moved, placed, changed = told["moved"], told["placed_new"], told["changed"]
    n_removed, n_added = len(removed), len(added)
    out = []
    if moved or placed:
        parts = []
        if moved:
            parts.append(f"moves {plural(moved, 'VM')} to another host")
        if placed:
            parts.append(f"places {plural(placed, 'VM')} that {'has' if placed == 1 else 'have'} no host yet")
        words = f"The advice {_listing(parts)}"
        gone = f"removes {plural(n_removed, 'finding')} ({_by_risk(removed)})" if n_removed else "removes none"
        new = f"adds {plural(n_added, 'finding')} ({_by_risk(added)})" if n_added else "adds none"
        if not n_removed and not n_added:
            out.append(words + "; no finding disappears or appears with it.")
        elif n_removed:
            out.append(f"{words}; this {gone} and {new}.")
        else:
            out.append(f"{words}; this {new} and {gone}.")
    else:
        out.append("The advice changes no VM's host.")
    if changed:
        n = sum(g["findings"] for g in changed)
        out.append(f"The risk level of {plural(n, 'finding')} changes with it.")
    below = "with its reason below", "each with the reason below"
    if told["conflicts_count"]:
        n = told["conflicts_count"]
        out.append(f"Still mixing zones: {plural(n, 'host')}, {below[n != 1]}.")
    if told["unplaced_count"]:
        n = told["unplaced_count"]
        out.append(f"Without a host under the hard constraints: {plural(n, 'VM')}, {below[n != 1]}.")
    domains = told["domain_counts"]
    total, proven = domains["total"], domains["optimal"]
    if total and proven == total:
        scope = "the one migration domain" if total == 1 else f"each of the {total:,} migration domains"
        out.append(f"The result is proven optimal in {scope} (the groups of hosts a VM may move between).")
    elif total:
        first = (
            f"The result is proven optimal in {proven:,} of the {plural(total, 'migration domain')}; elsewhere it is"
            if proven
            else "In every migration domain the result is"
        )
        out.append(f"{first} the best found within the solver's budget, with what is proven beside it.")
    return out


def told(
    advice: Mapping[str, Any],
    estate: Any = None,
    refs: Mapping[FindingKey, str] | None = None,
    moves_limit: int = MOVES_LIMIT,
) -> dict:
    """The advice as a reader is told it (see the module docstring).

    ``estate`` is the inventory the advice was made for (names of objects,
    zones and clusters; dedicated hosts); ``refs`` maps a finding's
    :func:`finding_key` to its number in the risk register; ``moves_limit``
    how many changes are listed one by one.
    """
    refs = refs or {}
    before = (advice.get("findings_before") or {}).get("by_risk") or {}
    after = (advice.get("findings_after") or {}).get("by_risk") or {}
    removed_flat = list(advice.get("findings_removed") or [])
    added_flat = list(advice.get("findings_added") or [])
    removed_keys = {finding_key(f["rule"], f["objects"]) for f in removed_flat}
    moves = _changes(advice, removed_keys, refs)
    domains = [_domain(d, estate) for d in advice.get("domains") or []]
    unplaced = list(advice.get("unplaced") or [])
    conflicts = list(advice.get("conflicts") or [])
    pinned = list(advice.get("pinned_violations") or [])
    out: dict[str, Any] = {
        "placed": advice.get("placed", len(advice.get("placement") or {})),
        "moved": sum(1 for m in moves if m["from"] is not None),
        "placed_new": sum(1 for m in moves if m["from"] is None),
        "moves_count": len(moves),
        "counts": [
            {"level": level, "before": before.get(level, 0), "after": after.get(level, 0)} for level in reversed(LEVELS)
        ],
        "removed": finding_groups(removed_flat, estate, refs),
        "added": finding_groups(added_flat, estate, refs),
        "changed": finding_groups(advice.get("findings_changed") or [], estate, refs),
        "domain_levels": [label for _key, label in DOMAIN_LEVELS],
        "domain_counts": {"total": len(domains), "optimal": sum(1 for d in domains if d["optimal"])},
        "serving": _serving(advice, estate),
        "unplaced_count": len(unplaced),
        "conflicts_count": len(conflicts),
        "pinned_count": len(pinned),
    }
    out["moves"], out["moves_more"] = _cut(moves, moves_limit)
    out["domains"], out["domains_more"] = _cut(domains, DOMAINS_LIMIT)
    out["unplaced"], out["unplaced_more"] = _cut(unplaced, ROWS_LIMIT)
    out["conflicts"], out["conflicts_more"] = _cut(conflicts, ROWS_LIMIT)
    out["pinned"], out["pinned_more"] = _cut(pinned, ROWS_LIMIT)
    out["summary"] = _summary(out, removed_flat, added_flat)
    return out
