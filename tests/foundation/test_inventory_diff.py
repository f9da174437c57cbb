"""What changed between two inventory documents: objects added, removed and
changed by id, nested objects field by field, the document's own fields."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from planner.core.inventory import validate_document
from planner.core.inventory.diff import FieldChange, diff_documents
from planner.demo import estate_document


def test_added_removed_and_changed_objects(demo_doc):
    before = validate_document(demo_doc)
    after = copy.deepcopy(before)
    after["vms"][0]["zone"] = "internal"
    after["vms"][0]["categorization"]["integrity"] = "high"
    after["vms"][0]["tags"] = {"owner": "someone else"}
    removed = after["vms"].pop(3)
    after["zones"].append({**after["zones"][0], "id": "new-zone", "name": "New"})
    after["as_of"] = "2027-01-01"
    diff = diff_documents(before, after)
    assert diff.header == [FieldChange("as_of", before["as_of"], "2027-01-01")]
    assert diff.collections["zones"].added == ["new-zone"]
    assert diff.collections["vms"].removed == [removed["id"]]
    (vm,) = diff.collections["vms"].changed
    assert vm.id == before["vms"][0]["id"]
    assert [f.path for f in vm.fields] == ["categorization.integrity", "tags", "zone"]
    assert vm.fields[1] == FieldChange("tags", {"owner": "platform-team"}, {"owner": "someone else"})
    assert diff.counts()["vms"] == {"added": 0, "removed": 1, "changed": 1}
    assert not diff.empty and diff_documents(after, after).empty


DEMO = validate_document(estate_document())


@given(st.sets(st.integers(0, 33)), st.sets(st.integers(0, 33)))
def test_a_diff_names_exactly_the_objects_that_differ(drop, touch):
    before = DEMO
    after = copy.deepcopy(before)
    for i in touch:
        after["vms"][i]["memory_gib"] = after["vms"][i]["memory_gib"] + 1
    ids = [v["id"] for v in before["vms"]]
    after["vms"] = [v for i, v in enumerate(after["vms"]) if i not in drop]
    vms = diff_documents(before, after).collections["vms"]
    assert vms.removed == [ids[i] for i in sorted(drop)]
    assert [c.id for c in vms.changed] == [ids[i] for i in sorted(touch - drop)]
    assert all(c.fields[0].path == "memory_gib" for c in vms.changed)
    back = diff_documents(after, before).collections["vms"]
    assert back.added == [ids[i] for i in sorted(drop)] and back.removed == []
