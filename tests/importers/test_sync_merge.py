"""Sync, not just load: objects update by source id, new ones are added, gone
ones listed (and pruned only when asked, and only the source's own), the
user's changes survive unless the mapping now decides otherwise, and an
unchanged source changes nothing."""

from __future__ import annotations

import copy

import pytest
from cmdb_exports import Estate, rvtools_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_data import MAPPING, mapping

from planner.core.inventory import validate_document
from planner.importers import import_source
from planner.importers.sync import merge


@pytest.fixture(scope="module")
def first():
    return import_source("rvtools", [("e.xlsx", rvtools_xlsx(Estate(60)))], mapping()).document


def test_an_unchanged_source_changes_nothing(first):
    merged, diff = merge(first, first)
    assert merged == first and not diff.changes
    assert diff.counts()["vms"]["unchanged"] == len(first["vms"])


def test_into_an_empty_plan_everything_is_added(first):
    empty = validate_document({"schema": "virtplan.inventory/v1"})
    merged, diff = merge(empty, first)
    assert diff.counts()["vms"]["added"] == len(first["vms"]) and validate_document(merged) == merged


def test_user_changes_survive_until_the_mapping_decides_otherwise(first):
    current = copy.deepcopy(first)
    vm = current["vms"][0]  # DMZ VM: zone dmz, moderate
    vm["zone"] = "internal"  # the user's zone override
    vm["categorization"] = {"confidentiality": "high", "integrity": "high", "availability": "high"}
    vm["pinned"] = True  # never stated by the source
    vm["tags"]["owner"] = "team-a"
    host = current["hosts"][0]
    host["settings"]["lockdown"] = True  # answered in VirtPlan; RVTools does not say
    merged, diff = merge(current, first)
    mvm, mhost = merged["vms"][0], merged["hosts"][0]
    assert mvm["zone"] == "internal" and mvm["categorization"]["availability"] == "high"
    assert mvm["pinned"] is True and mvm["tags"]["owner"] == "team-a"
    assert mhost["settings"] == {**first["hosts"][0]["settings"], "lockdown": True}
    assert set(diff.collections["vms"].kept_user_values[vm["id"]]) == {"zone", "categorization"}
    assert not diff.changes  # the source had nothing new
    # The mapping now puts DMZ VMs elsewhere: its new decision wins over the user's.
    rules = MAPPING.replace(
        "      zone: dmz\n      categorization: moderate", "      zone: internal\n      categorization: low"
    )
    second = import_source("rvtools", [("e.xlsx", rvtools_xlsx(Estate(60)))], mapping(rules)).document
    merged, diff = merge(current, second)
    assert merged["vms"][0]["zone"] == "internal" and merged["vms"][0]["categorization"]["confidentiality"] == "low"
    assert merged["vms"][0]["pinned"] is True
    assert "categorization" in diff.collections["vms"].updated[vm["id"]]


def test_source_changes_update_and_gone_objects_are_listed_or_pruned(first):
    current = copy.deepcopy(first)
    user_vm = {**copy.deepcopy(first["vms"][1]), "id": "hand-made", "name": "hand-made", "tags": {}}
    current["vms"].append(user_vm)
    source = copy.deepcopy(first)
    gone = source["vms"].pop(2)
    source["vms"][0]["vcpus"] = 16
    source["vms"][0]["host"] = None  # the source no longer says where it runs
    source["vms"][0]["tags"]["virtplan.import.fields"] = source["vms"][0]["tags"]["virtplan.import.fields"].replace(
        "host,", ""
    )
    merged, diff = merge(current, source)
    ids = [v["id"] for v in merged["vms"]]
    assert gone["id"] in ids and "hand-made" in ids
    assert diff.collections["vms"].gone == [gone["id"]] and not diff.collections["vms"].removed
    assert merged["vms"][0]["vcpus"] == 16 and merged["vms"][0]["host"] is None
    assert diff.collections["vms"].updated[first["vms"][0]["id"]] == ["host", "tags", "vcpus"]
    pruned, diff = merge(current, source, prune=True)
    ids = [v["id"] for v in pruned["vms"]]
    assert gone["id"] not in ids and "hand-made" in ids  # only the source's own objects go
    assert diff.collections["vms"].removed == [gone["id"]]
    assert validate_document(pruned)["vms"] == pruned["vms"]


def test_a_nested_object_the_source_stops_stating_goes_unless_the_user_added_to_it(first):
    current = copy.deepcopy(first)
    source = copy.deepcopy(first)
    for host in source["hosts"][:2]:
        host["management"] = None
        host["tags"]["virtplan.import.fields"] = host["tags"]["virtplan.import.fields"].replace(
            "management.network,", ""
        )
    current["hosts"][1]["management"]["encrypted"] = True  # the user's own answer
    merged, _diff = merge(current, source)
    assert merged["hosts"][0]["management"] is None
    assert merged["hosts"][1]["management"] == {"network": None, "encrypted": True}
    assert validate_document(merged)["hosts"] == merged["hosts"]


edits = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40),
        st.sampled_from(["zone", "categorization", "internet_facing", "pinned", "anti_affinity_group"]),
    ),
    max_size=12,
)
VALUES = {
    "zone": "mgmt",
    "categorization": {"confidentiality": "n/a", "integrity": "low", "availability": "high"},
    "internet_facing": False,
    "pinned": True,
    "anti_affinity_group": "pair",
}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits)
def test_any_user_edits_survive_a_reimport_of_the_same_source(first, changes):
    """Whatever a user changes among mapping decisions and fields no source states,
    re-importing the unchanged source keeps it all and writes nothing."""
    current = copy.deepcopy(first)
    for index, field in changes:
        current["vms"][index % len(current["vms"])][field] = copy.deepcopy(VALUES[field])
    merged, diff = merge(current, first)
    assert merged == current
    assert not diff.changes
