"""Benchmark: the placement advisor's quality against a proven optimum, and its speed.

Two parts (issue 15, "Quality and speed"):

``quality`` — generated instances of 20 to 200 VMs on 4 to 20 hosts in one or
two clusters: anti-affinity groups, pinned VMs, hosts dedicated to a zone,
datastores attached to some hosts, VMs without a host, tight and over-full
capacity. The reference is an independent CP-SAT model written here straight
from the contract (analysis-v1 "Placement advisor" and "v1.1 additions"), not
from the advisor's code, solved level by level — fewest unplaced VMs, then
fewest conflicting hosts with the first fixed, then fewest moves with both
fixed — each stage within a third of a 60-second budget (deterministic time,
one worker). Per instance: the optimum of each level (or its bounds when not
proven), the advisor's (unplaced, conflicting hosts, moves) with its default
budget and with the heuristic alone, and the gap.

``speed`` — 10,000 VMs on 500 hosts and 100,000 VMs on 5,000 hosts, built
around a planted conflict-free placement (each host serves one zone, within
its ceilings, anti-affinity kept) and then scrambled: 2 % of the VMs put on
another host of their cluster, 1 % without a host. A conflict-free placement
exists, so the advisor must reach zero conflicting hosts. Times are CPU
seconds (user + system of this process, every thread), compared with
validating the same document (``validate_document``) in the same run.

    .venv/bin/python bench/placement_quality.py            # both parts
    .venv/bin/python bench/placement_quality.py quality
    .venv/bin/python bench/placement_quality.py speed --sizes 10000

Targets: (unplaced, conflicting hosts) equal to the optimum wherever it is
proven, moves within 10 % of it; 10k / 500 in under 3x the validation time
with zero conflicting hosts; 100k / 5,000 under 60 s.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ortools.sat.python import cp_model  # noqa: E402

from planner.core.inventory import estate_from_document, validate_document  # noqa: E402
from planner.core.inventory.estate import Estate  # noqa: E402
from planner.core.placement import SolverOptions, advise  # noqa: E402

ZONES = {"dmz": 1, "internal": 2, "restricted": 3, "secret": 4}
REFERENCE_BUDGET = 60.0


def cpu() -> float:
    return time.process_time()


# --- instances -----------------------------------------------------------------------------------


def planted(
    rnd: random.Random,
    vms: int,
    hosts: int,
    clusters: int,
    load: float,
    *,
    scramble: float,
    homeless: float,
    pinned: float = 0.0,
    dedicated: int = 0,
    groups: float = 0.1,
    datastores: bool = True,
    cores: int | None = None,
    memory: int | None = None,
) -> dict:
    """An inventory built around a conflict-free placement, then scrambled.

    Each host serves one zone; VMs are dealt to the hosts of their zone within
    their cluster until each host holds about ``load`` of its ceilings (more
    than 1: over-full, so some VMs cannot be placed; a VM whose zone has no
    room left in its cluster is dealt again, in another zone). Anti-affinity pairs sit on
    different hosts. Then ``scramble`` of the VMs move to a random host of
    their cluster and ``homeless`` lose their host; ``pinned`` of the VMs that
    stayed home are pinned; ``dedicated`` hosts get ``dedicated_zone``.
    Hosts are sized for the average VM (3.75 vCPUs, 15 GiB) unless ``cores``
    and ``memory`` are given.
    """
    per_host = vms / hosts
    cores = cores or max(1, round(per_host * 3.75 / 4.0 / min(load, 1.0)))
    memory = memory or max(8, round(per_host * 15 / min(load, 1.0)))
    zones = list(ZONES)
    doc: dict = {
        "schema": "virtplan.inventory/v1",
        "as_of": "2026-11-01",
        "policy": {"zone_mixing": "forbid", "max_cpu_overcommit": 4.0, "max_memory_overcommit": 1.0},
        "zones": [{"id": z, "trust_level": t} for z, t in ZONES.items()],
        "clusters": [{"id": f"cl{c}"} for c in range(clusters)],
        "hosts": [],
        "datastores": [],
        "vms": [],
    }
    per_cluster: list[list[dict]] = [[] for _ in range(clusters)]
    for h in range(hosts):
        c = h % clusters
        host = {"id": f"h{h:05d}", "cluster": f"cl{c}", "cpu_cores": cores, "memory_gib": memory}
        host["_zone"] = zones[(h // clusters) % len(zones)]
        doc["hosts"].append(host)
        per_cluster[c].append(host)
    for host in doc["hosts"][:dedicated]:
        host["dedicated_zone"] = host["_zone"]
    if datastores:
        for c, members in enumerate(per_cluster):
            ids = [h["id"] for h in members]
            doc["datastores"].append({"id": f"ds{c}-all", "kind": "vmfs", "hosts": ids})
            doc["datastores"].append({"id": f"ds{c}-half", "kind": "vmfs", "hosts": ids[: max(1, len(ids) // 2)]})
    room = {h["id"]: [cores * 4.0 * load, memory * load] for h in doc["hosts"]}
    by_zone = {(c, z): [h for h in per_cluster[c] if h["_zone"] == z] for c in range(clusters) for z in zones}
    made = group = misses = 0
    while made < vms:
        c = made % clusters
        z = zones[rnd.randrange(len(zones))]
        candidates = by_zone[(c, z)]
        if not candidates:
            continue
        size = (rnd.choice((1, 2, 4, 8)), rnd.choice((4, 8, 16, 32)))
        pair = rnd.random() < groups and made + 1 < vms
        count = 2 if pair else 1
        fitting = [h for h in candidates if room[h["id"]][0] >= size[0] and room[h["id"]][1] >= size[1]]
        if len(fitting) < count and misses < 200:
            misses += 1
            continue  # this zone's hosts are full here: deal another VM
        rnd.shuffle(fitting)
        homes = [h["id"] for h in fitting[:count]]
        homes += [rnd.choice(candidates)["id"] for _ in range(count - len(homes))]  # no room anywhere: excess
        misses = 0
        gid = f"g{group}" if pair else None
        group += pair
        for home in homes:
            room[home][0] -= size[0]
            room[home][1] -= size[1]
            vm = {"id": f"v{made:06d}", "host": home, "zone": z, "vcpus": size[0], "memory_gib": size[1]}
            vm["_cluster"] = c
            if gid:
                vm["anti_affinity_group"] = gid
            if datastores:
                vm["disks"] = [{"datastore": f"ds{c}-all", "size_gib": 40}]
            doc["vms"].append(vm)
            made += 1
    for vm in doc["vms"]:
        r = rnd.random()
        if r < scramble:
            vm["host"] = rnd.choice(per_cluster[vm["_cluster"]])["id"]
        elif r < scramble + homeless:
            vm["host"] = None
        elif r < scramble + homeless + pinned:
            vm["pinned"] = True
        del vm["_cluster"]
    for host in doc["hosts"]:
        del host["_zone"]
    return doc


def quality_instances() -> list[tuple[str, dict]]:
    """Thirteen instances, 20 to 200 VMs, seeded."""
    out = []
    specs = [
        # name, vms, hosts, clusters, load, scramble, homeless, pinned, dedicated
        ("tight-20", 20, 4, 1, 0.9, 0.3, 0.1, 0.1, 0),
        ("tight-30", 30, 4, 1, 0.95, 0.3, 0.1, 0.05, 1),
        ("pinned-40", 40, 6, 1, 0.8, 0.3, 0.1, 0.2, 0),
        ("dedicated-50", 50, 6, 2, 0.8, 0.3, 0.1, 0.05, 2),
        ("tight-60", 60, 8, 2, 0.95, 0.35, 0.05, 0.05, 1),
        ("groups-80", 80, 8, 1, 0.85, 0.3, 0.1, 0.05, 0),
        ("spread-100", 100, 10, 2, 0.7, 0.3, 0.1, 0.05, 2),
        ("tight-120", 120, 12, 2, 0.95, 0.3, 0.1, 0.05, 2),
        ("pinned-140", 140, 14, 2, 0.85, 0.3, 0.05, 0.2, 1),
        ("tight-160", 160, 16, 2, 0.97, 0.3, 0.1, 0.05, 2),
        ("dedicated-180", 180, 18, 2, 0.85, 0.3, 0.1, 0.05, 6),
        ("tight-200", 200, 20, 2, 0.95, 0.3, 0.1, 0.05, 2),
        ("overfull-200", 200, 20, 2, 1.15, 0.3, 0.1, 0.05, 2),
    ]
    for n, (name, vms, hosts, clusters, load, scramble, homeless, pinned, dedicated) in enumerate(specs):
        rnd = random.Random(1000 + n)
        doc = planted(
            rnd,
            vms,
            hosts,
            clusters,
            load,
            scramble=scramble,
            homeless=homeless,
            pinned=pinned,
            dedicated=dedicated,
            groups=0.15,
        )
        out.append((name, doc))
    return out


# --- the reference: an independent CP-SAT model of the contract -----------------------------------


def _low(vm) -> bool:
    c = vm.categorization
    return c is not None and all(x in ("low", "n/a") for x in (c.confidentiality, c.integrity, c.availability))


def _may_go(estate: Estate, vm, host) -> bool:
    """Where a VM may be (the contract's hard constraints that depend on one VM and one host)."""
    if host.dedicated_zone is not None and vm.zone != host.dedicated_zone:
        return False
    if vm.host == host.id:
        return True
    if host.hypervisor is not None and host.hypervisor.type == 2 and (vm.host is not None or not _low(vm)):
        return False
    scoped = vm.host is not None and estate.policy.placement_scope == "cluster"
    if scoped and estate.hosts[vm.host].cluster != host.cluster:
        return False
    for disk in vm.disks:
        reach = estate.datastores[disk.datastore].hosts
        if reach and host.id not in reach:
            return False
    return True


def reference(estate: Estate, budget: float = REFERENCE_BUDGET) -> dict:
    """Lexicographic optimum (or bounds) of (unplaced, conflicting hosts, moves), level by level."""
    p = estate.policy
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    unplaced = {}
    on: dict[str, list[str]] = {h: [] for h in estate.hosts}
    fixed: dict[str, list[str]] = {h: [] for h in estate.hosts}
    for vm in estate.vms.values():
        if vm.pinned and vm.host is not None:
            fixed[vm.host].append(vm.id)
            continue
        options = []
        for host in estate.hosts.values():
            if _may_go(estate, vm, host):
                x[vm.id, host.id] = model.new_bool_var("")
                on[host.id].append(vm.id)
                options.append(x[vm.id, host.id])
        unplaced[vm.id] = model.new_bool_var("")
        model.add_exactly_one([*options, unplaced[vm.id]])
    conflicts = []
    for host in estate.hosts.values():
        h = host.id
        vms = estate.vms
        cpu_cap = math.floor(host.cpu_cores * p.max_cpu_overcommit + 1e-9)
        mem_cap = math.floor(host.memory_gib * p.max_memory_overcommit * 1024 + 1e-6)
        base_cpu = sum(vms[v].vcpus for v in fixed[h])
        base_mem = sum(math.ceil(vms[v].memory_gib * 1024 - 1e-6) for v in fixed[h])
        model.add(base_cpu + sum(vms[v].vcpus * x[v, h] for v in on[h]) <= max(cpu_cap, base_cpu))
        mem_terms = sum(math.ceil(vms[v].memory_gib * 1024 - 1e-6) * x[v, h] for v in on[h])
        model.add(base_mem + mem_terms <= max(mem_cap, base_mem))
        groups: dict[str, list] = {}
        for v in on[h]:
            if (g := vms[v].anti_affinity_group) is not None:
                groups.setdefault(g, []).append(x[v, h])
        pinned_groups = {vms[v].anti_affinity_group for v in fixed[h]}
        for g, members in groups.items():
            model.add(sum(members) <= (0 if g in pinned_groups else 1))
        present = {}
        for z in estate.zones:
            members = [x[v, h] for v in on[h] if vms[v].zone == z]
            if any(vms[v].zone == z for v in fixed[h]):
                present[z] = 1
            elif members:
                y = model.new_bool_var("")
                for m in members:
                    model.add_implication(m, y)
                present[z] = y
        c = model.new_bool_var("")
        zones = sorted(present)
        for i, a in enumerate(zones):
            for b in zones[i + 1 :]:
                if p.zone_mixing == "forbid" or abs(estate.zones[a].trust_level - estate.zones[b].trust_level) > 1:
                    model.add(present[a] + present[b] <= 1 + c)
        conflicts.append(c)
    moves = [
        (1 - x[v.id, v.host]) if (v.id, v.host) in x else 1
        for v in estate.vms.values()
        if v.host is not None and not v.pinned
    ]
    stages = [("unplaced", sum(unplaced.values())), ("conflicting_hosts", sum(conflicts)), ("moves", sum(moves))]
    out: dict = {}
    for name, expr in stages:
        model.minimize(expr)
        solver = cp_model.CpSolver()
        solver.parameters.max_deterministic_time = budget / len(stages)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.linearization_level = 2  # the LP relaxation: proves bounds the default cannot
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out[name] = (None, None, False)
            return out
        value, bound = round(solver.objective_value), math.ceil(solver.best_objective_bound - 1e-6)
        out[name] = (value, bound, status == cp_model.OPTIMAL)
        model.clear_hints()
        for var in x.values():
            model.add_hint(var, solver.boolean_value(var))
        if status != cp_model.OPTIMAL:
            return out  # a lower level's optimum means nothing while this one is unproven
        model.add(expr <= value)
    return out


def advisor_levels(estate: Estate, options: SolverOptions) -> tuple[tuple[int, int, int], float]:
    t = cpu()
    r = advise(estate, findings=False, options=options)
    seconds = cpu() - t
    moves = sum(1 for m in r.moves if m["from"] is not None) + sum(
        1 for u in r.unplaced if estate.vms[u["vm"]].host is not None
    )
    return (len(r.unplaced), len(r.conflicts), moves), seconds


def quality(_args: argparse.Namespace) -> int:
    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}; reference budget {REFERENCE_BUDGET:g} s")
    header = (
        "| instance | VMs | hosts | optimum (unplaced, conflicting, moves) | advisor (default budget) | gap | "
        "advisor CPU | heuristic alone | reference CPU |"
    )
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    failures = 0
    for name, doc in quality_instances():
        estate = estate_from_document(validate_document(doc))
        t = cpu()
        ref = reference(estate)
        ref_seconds = cpu() - t
        adv, adv_seconds = advisor_levels(estate, SolverOptions())
        heur, _ = advisor_levels(estate, SolverOptions(time_limit=0))
        cells, verdicts = [], []
        for n, level in enumerate(("unplaced", "conflicting_hosts", "moves")):
            if level not in ref or ref[level][0] is None:
                cells.append("?")
                continue
            value, bound, proven = ref[level]
            cells.append(str(value) if proven else f"{bound}..{value}")
            if not proven:
                continue
            if level == "moves":
                ok = adv[2] <= value * 1.1 if value else adv[2] == 0
                verdicts.append(f"moves +{adv[2] - value}" + ("" if ok else " (over 10 %)"))
            else:
                ok = adv[n] == value
                if not ok:
                    verdicts.append(f"{level} {adv[n]} vs {value}")
            failures += not ok
        gap = "; ".join(verdicts) or "-"
        print(
            f"| {name} | {len(estate.vms)} | {len(estate.hosts)} | ({', '.join(cells)}) | {adv} | {gap} | "
            f"{adv_seconds:.2f} s | {heur} | {ref_seconds:.1f} s |",
            flush=True,
        )
    print(f"\n{failures} level(s) off target")
    return 0


def speed(args: argparse.Namespace) -> int:
    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}; CPU seconds (user + system)")
    for vms in args.sizes:
        hosts = vms // 20
        doc = planted(
            random.Random(7),
            vms,
            hosts,
            max(1, hosts // 20),
            0.7,
            scramble=0.02,
            homeless=0.01,
            pinned=0.01,
            dedicated=hosts // 50,
            cores=64,
            memory=1024,
        )
        t = cpu()
        normalized = validate_document(doc)
        validate_seconds = cpu() - t
        estate = estate_from_document(normalized)
        for label, options in (("default budget", SolverOptions()), ("heuristic alone", SolverOptions(time_limit=0))):
            t = cpu()
            r = advise(estate, findings=False, options=options)
            seconds = cpu() - t
            methods = sorted({d.method for d in r.domains})
            print(
                f"{vms:,} VMs / {hosts:,} hosts, {label}: advise {seconds:.2f} s, validate {validate_seconds:.2f} s, "
                f"ratio {seconds / validate_seconds:.2f}; {len(r.conflicts)} conflicting hosts, "
                f"{len(r.unplaced)} unplaced, {r.relocations} moves; methods {methods}",
                flush=True,
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part")
    sub.add_parser("quality")
    s = sub.add_parser("speed")
    s.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    if args.part is None:  # both (bench/run.py)
        args.sizes = [10_000, 100_000]
        return quality(args) or speed(args)
    return {"quality": quality, "speed": speed}[args.part](args)


if __name__ == "__main__":
    sys.exit(main())
