"""Each compensating answer of the questionnaire (a question's ``mitigates`` entries) lowers the
likelihood of the findings of the rules it names by its documented step, one level, and changes
no other finding; answers together lower a finding by at most one level (the method's cap); no
level goes below very-low. One test per mitigation, on one estate where every mitigated rule
fires beside findings no answer may touch. The expectations are the questionnaire's text and
the method's (docs/scoring.md), written out here, never read back from the code."""

from __future__ import annotations

import pytest
from analysis_estates import clean_document, find, score_of

from planner.core.analysis import REGISTRY
from planner.core.assessment import assess
from planner.core.inventory import load_estate
from planner.core.questionnaire import default_questionnaire

#: One level lower, stopping at the floor (method: "Levels stop at very-low and very-high").
LOWER = {"very-high": "high", "high": "moderate", "moderate": "low", "low": "very-low", "very-low": "very-low"}
#: SP 800-30 Rev. 1 Table I-2, likelihood -> impact -> risk (shared/reference/nist-virtualization.md).
RISK = {
    "very-high": dict(zip(LOWER, ("very-high", "high", "moderate", "low", "very-low"), strict=True)),
    "high": dict(zip(LOWER, ("very-high", "high", "moderate", "low", "very-low"), strict=True)),
    "moderate": dict(zip(LOWER, ("high", "moderate", "moderate", "low", "very-low"), strict=True)),
    "low": dict(zip(LOWER, ("moderate", "low", "low", "low", "very-low"), strict=True)),
    "very-low": dict(zip(LOWER, ("low", "low", "very-low", "very-low", "very-low"), strict=True)),
}
TOPOLOGY = {r.id for r in REGISTRY}


def estate_where_every_mitigated_rule_fires():
    """The clean estate (analysis_estates.py) with one change per mitigated rule, and two
    findings that no answer mitigates (MGMT-UNENCRYPTED, HOST-NO-REMOTE-LOGGING)."""
    doc = clean_document()
    for host in doc["hosts"]:
        host["dedicated_zone"] = None
    hosts = {h["id"]: h for h in doc["hosts"]}
    vms = {v["id"]: v for v in doc["vms"]}
    vms["vm-app"]["host"] = "esx-dmz"  # ZONE-MIX-HOST on esx-dmz (dmz and internal)
    vms["vm-web2"]["categorization"]["confidentiality"] = "high"  # EXPOSED-CORESIDENCY beside vm-web
    vms["vm-app"]["nics"][0] = {"network": "pg-dmz"}  # SEGMENT-MULTI-ZONE on pg-dmz
    vms["vm-web"]["nics"].append({"network": "pg-res"})  # VM-BRIDGES-ZONES
    hosts["esx-int"]["management"]["network"] = "pg-int"  # MGMT-NETWORK-SHARED (guest network)
    vms["vm-db"]["host"] = "esx-int"  # ... with a guest on it
    vms["vm-db"]["nics"].append({"network": "pg-int"})
    find(doc, "datastores", "ds-res")["encrypted"] = False  # DATASTORE-UNENCRYPTED-SENSITIVE
    hosts["esx-dmz"]["cpu_cores"] = 1  # HOST-CPU-OVERCOMMIT
    hosts["esx-dmz"]["memory_gib"] = 16  # HOST-MEMORY-OVERCOMMIT
    hosts["esx-int"]["hypervisor"]["type"] = 2  # HOSTED-HYPERVISOR-SERVER (vm-db is high)
    hosts["esx-res"]["management"]["encrypted"] = False  # not mitigated by any answer
    hosts["esx-dmz"]["settings"]["remote_logging"] = False  # not mitigated by any answer
    return load_estate(doc)


ESTATE = estate_where_every_mitigated_rule_fires()


def scored(answers) -> dict[str, tuple]:
    """fingerprint -> (rule, likelihood, impact, risk, factors) of the topology findings."""
    return {
        f.fingerprint: (f.rule, f.likelihood, f.impact, f.risk, list(f.factors))
        for f in assess(ESTATE, answers).findings
        if f.rule in TOPOLOGY
    }


BEFORE = scored({})

#: (question, answer, {rule it names: the factor its findings list}) — the questionnaire's words.
MITIGATIONS = [
    (
        "planning.resources.reservations",
        True,
        {
            "HOST-CPU-OVERCOMMIT": "critical guests hold CPU reservations or priority shares",
            "HOST-MEMORY-OVERCOMMIT": "critical guests hold memory reservations",
        },
    ),
    (
        "planning.cryptography.guest_disk_encryption",
        True,
        {"DATASTORE-UNENCRYPTED-SENSITIVE": "sensitive guests encrypt their own disks"},
    ),
    (
        "planning.network.traffic_monitoring",
        "inline-inspection",
        {"SEGMENT-MULTI-ZONE": "traffic on shared segments inspected inline"},
    ),
    (
        "implementation.hosts.host_firewall",
        True,
        {"MGMT-NETWORK-SHARED": "host firewalls admit management services only from administrative addresses"},
    ),
    (
        "implementation.hosts.side_channel_mitigations",
        True,
        {"ZONE-MIX-HOST": "CPU side-channel mitigations are in place on hosts that mix zones"},
    ),
    (
        "implementation.hosts.hosted_host_os",
        True,
        {"HOSTED-HYPERVISOR-SERVER": "host OS under the hosted hypervisor is hardened and minimal"},
    ),
    (
        "implementation.monitoring.introspection",
        "traffic",
        {"VM-BRIDGES-ZONES": "traffic between guests is monitored by introspection"},
    ),
    (
        "implementation.monitoring.introspection",
        "guests",
        {"EXPOSED-CORESIDENCY": "guests are monitored by hypervisor introspection"},
    ),
    (
        "implementation.monitoring.introspection",
        "guests-and-traffic",
        {
            "VM-BRIDGES-ZONES": "traffic between guests is monitored by introspection",
            "EXPOSED-CORESIDENCY": "guests are monitored by hypervisor introspection",
        },
    ),
    (
        "operations.resilience.capacity_monitoring",
        True,
        {"HOST-MEMORY-OVERCOMMIT": "memory overcommitment monitored with alerts"},
    ),
]


def test_every_mitigation_of_the_questionnaire_has_its_case_here():
    declared = {
        (qid, m.rule, m.factor, m.steps)
        for qid, question in default_questionnaire().questions.items()
        for m in question.mitigates
    }
    here = {(qid, rule, factor, -1) for qid, _answer, named in MITIGATIONS for rule, factor in named.items()}
    assert here == declared


def test_every_mitigated_rule_fires_on_the_estate_beside_unmitigated_findings():
    rules = {rule for rule, *_ in BEFORE.values()}
    assert {rule for _q, _a, named in MITIGATIONS for rule in named} <= rules
    assert {"MGMT-UNENCRYPTED", "HOST-NO-REMOTE-LOGGING"} <= rules


@pytest.mark.parametrize("question, answer, named", MITIGATIONS, ids=[f"{q}={a}" for q, a, _ in MITIGATIONS])
def test_an_answer_lowers_only_the_findings_of_the_rules_it_names_by_one_level(question, answer, named):
    after = scored({question: answer})
    assert after.keys() == BEFORE.keys()  # an answer never adds or removes a finding
    changed = 0
    for fp, (rule, likelihood, impact, risk, factors) in BEFORE.items():
        if rule in named:
            lowered = LOWER[likelihood]
            expected = (
                rule,
                lowered,
                impact,
                RISK[lowered][impact],
                [*factors, f"{named[rule]} (answer {question}): likelihood -1"],
            )
            changed += 1
        else:
            expected = (rule, likelihood, impact, risk, factors)
        assert after[fp] == expected, rule
    assert changed >= len(named)


def test_an_answer_that_does_not_show_the_control_changes_nothing():
    assert scored({"planning.resources.reservations": False, "implementation.hosts.host_firewall": False}) == BEFORE
    assert scored({"implementation.monitoring.introspection": "none"}) == BEFORE


def test_answers_together_lower_a_finding_by_one_level_at_most():
    """Reservations and capacity monitoring both compensate memory overcommitment: the first
    answer (in questionnaire order) takes the one level, the second is listed without credit."""
    answers = {"planning.resources.reservations": True, "operations.resilience.capacity_monitoring": True}
    after = scored(answers)
    memory = [fp for fp, (rule, *_) in BEFORE.items() if rule == "HOST-MEMORY-OVERCOMMIT"]
    assert len(memory) == 1
    (fp,) = memory
    _rule, likelihood, impact, _risk, factors = BEFORE[fp]
    # esx-dmz holds vm-web, vm-web2 and vm-app: 48 GiB on 16 GiB. Base moderate, no factor; availability
    # of the three VMs is low: moderate x low = low. One level lower: low; low x low = low.
    assert (likelihood, impact) == ("moderate", "low")
    assert after[fp] == (
        "HOST-MEMORY-OVERCOMMIT",
        "low",
        "low",
        "low",
        [
            *factors,
            "critical guests hold memory reservations (answer planning.resources.reservations): likelihood -1",
            "memory overcommitment monitored with alerts (answer operations.resilience.capacity_monitoring): "
            "no further credit, answers lower a finding's likelihood by at most 1 level in total",
        ],
    )


def test_no_answer_takes_a_finding_below_the_floor():
    """Every mitigation at once: each finding is at most one level lower, never below very-low."""
    answers = {q: a for q, a, _ in MITIGATIONS if q != "implementation.monitoring.introspection"}
    answers["implementation.monitoring.introspection"] = "guests-and-traffic"
    after = scored(answers)
    lowered = 0
    for fp, (rule, likelihood, *_rest) in BEFORE.items():
        assert after[fp][1] in (likelihood, LOWER[likelihood]), rule
        lowered += after[fp][1] != likelihood
    assert lowered >= 10  # every mitigated rule's findings took their level


def test_an_answer_to_a_question_the_inventory_makes_inapplicable_earns_nothing():
    """Side-channel mitigations are asked only where a host runs VMs of two or more zones. A VM
    alone on a host dedicated to another zone is ZONE-MIX-HOST all the same, and the answer gives
    it no credit: the question does not apply to this inventory."""
    doc = clean_document()
    find(doc, "hosts", "esx-int")["dedicated_zone"] = "restricted"  # vm-app (internal) is a stranger there
    estate = load_estate(doc)
    answers = {"implementation.hosts.side_channel_mitigations": True}
    # base moderate; vm-app is not internet-facing; internal (2) and restricted (3): gap 1. Its
    # confidentiality is moderate: moderate x moderate = moderate.
    expected = [
        (
            "moderate",
            "moderate",
            "moderate",
            [
                "impact moderate: FIPS 199 high-water mark of confidentiality over the one VM at risk "
                "(vm-app is moderate)"
            ],
        )
    ]
    for given in ({}, answers):
        assert [score_of(f) for f in assess(estate, given).findings if f.rule == "ZONE-MIX-HOST"] == expected
