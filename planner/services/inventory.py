"""A plan's inventory for people: its objects as tables (sorted, filtered,
paginated in the database, so a 10,000-VM plan pages as fast as a small one),
one object, an upload of a whole document, an edit of one object's zone,
categorization or placement (a PATCH with If-Match underneath, so the
document is validated whole and nothing is written on a problem), and the
kept versions with what changed between two of them.

Every function is scoped to the caller's organization through
:func:`planner.services.plans.get_plan` (another organization's plan is
:class:`NotFound`). The caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import InventoryVersion, Plan
from models import inventory as t
from models.inventory_store import read_objects
from planner.core.inventory import limits as inventory_limits
from planner.core.inventory.diff import InventoryDiff, diff_documents
from planner.core.inventory.schema import COLLECTIONS, SCHEMA_ID
from planner.core.json_input import JsonInputError, parse_json

from .accounts import Caller
from .errors import Invalid, NotFound
from .plans import get_plan, patch_inventory, put_inventory, unpack_version

PAGE_SIZES = (25, 50, 100, 250)
MAX_SEARCH = 200
#: What one object of each collection is called in a sentence.
SINGULAR = {
    "zones": "zone",
    "clusters": "cluster",
    "networks": "network",
    "hosts": "host",
    "datastores": "datastore",
    "vms": "VM",
    "appliances": "appliance",
}
TITLES = {
    "zones": "Zones",
    "clusters": "Clusters",
    "networks": "Networks",
    "hosts": "Hosts",
    "datastores": "Datastores",
    "vms": "VMs",
    "appliances": "Appliances",
}


# --- browsing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a collection's table: what it shows and how it may be sorted and filtered."""

    key: str
    label: str
    expr: Any
    kind: str = "text"  # text | number | flag
    #: The collection a reference column names (its values link to those objects).
    ref: str | None = None
    #: Filterable by one of its values (the page offers them in a list).
    choice: bool = False
    #: An abbreviation for the table's heading ("C" for confidentiality).
    short: str | None = None


def _columns() -> dict[str, tuple[Any, tuple[Column, ...]]]:
    ident = lambda m: (Column("id", "ID", m.ext_id), Column("name", "Name", m.name))  # noqa: E731
    return {
        "zones": (
            t.Zone,
            (
                *ident(t.Zone),
                Column("trust_level", "Trust level", t.Zone.trust_level, "number", choice=True),
                Column("purpose", "Purpose", t.Zone.purpose, choice=True),
            ),
        ),
        "clusters": (t.Cluster, ident(t.Cluster)),
        "networks": (
            t.Network,
            (
                *ident(t.Network),
                Column("kind", "Kind", t.Network.kind, choice=True),
                Column("vlan", "VLAN", t.Network.vlan, "number"),
                Column("zone", "Zone", t.Network.zone_ref, ref="zones", choice=True),
                Column("purpose", "Purpose", t.Network.purpose, choice=True),
            ),
        ),
        "hosts": (
            t.Host,
            (
                *ident(t.Host),
                Column("cluster", "Cluster", t.Host.cluster_ref, ref="clusters", choice=True),
                Column("hypervisor", "Hypervisor", t.Host.hypervisor_product, choice=True),
                Column("version", "Version", t.Host.hypervisor_version),
                Column("cpu_cores", "Cores", t.Host.cpu_cores, "number"),
                Column("memory_gib", "Memory GiB", t.Host.memory_gib, "number"),
                Column("dedicated_zone", "Dedicated to", t.Host.dedicated_zone_ref, ref="zones", choice=True),
            ),
        ),
        "datastores": (
            t.Datastore,
            (
                *ident(t.Datastore),
                Column("kind", "Kind", t.Datastore.kind, choice=True),
                Column("encrypted", "Encrypted", t.Datastore.encrypted, "flag", choice=True),
            ),
        ),
        "vms": (
            t.Vm,
            (
                *ident(t.Vm),
                Column("zone", "Zone", t.Vm.zone_ref, ref="zones", choice=True),
                Column("host", "Host", t.Vm.host_ref, ref="hosts", choice=True),
                Column("vcpus", "vCPUs", t.Vm.vcpus, "number"),
                Column("memory_gib", "Memory GiB", t.Vm.memory_gib, "number"),
                Column("confidentiality", "Confidentiality", t.Vm.confidentiality, choice=True, short="C"),
                Column("integrity", "Integrity", t.Vm.integrity, choice=True, short="I"),
                Column("availability", "Availability", t.Vm.availability, choice=True, short="A"),
                Column("internet_facing", "Internet-facing", t.Vm.internet_facing, "flag", choice=True),
                Column("role", "Role", t.Vm.role),
            ),
        ),
        "appliances": (
            t.Appliance,
            (
                *ident(t.Appliance),
                Column("kind", "Kind", t.Appliance.kind, choice=True),
                Column("filtering", "Filtering", t.Appliance.filtering, "flag", choice=True),
                Column("vm", "Runs as VM", t.Appliance.vm_ref, ref="vms"),
            ),
        ),
    }


TABLES = _columns()
assert tuple(TABLES) == COLLECTIONS  # noqa: S101 -- every collection has its table


@dataclass
class Page:
    """One page of a collection's table."""

    collection: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    #: The values each choice column holds in this plan (for its filter), as text.
    options: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def collection_or_404(collection: str) -> tuple[Any, tuple[Column, ...]]:
    if collection not in TABLES:
        raise NotFound(f"no inventory collection {collection!r} (expected one of {', '.join(COLLECTIONS)})")
    return TABLES[collection]


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _parse_choice(column: Column, text: str) -> Any:
    if column.kind == "flag":
        return {"yes": True, "no": False}.get(text, text)
    if column.kind == "number":
        try:
            return int(text)
        except ValueError:
            return text
    return text


def browse(
    session: Session,
    caller: Caller,
    plan_id: int,
    collection: str,
    *,
    search: str = "",
    filters: Mapping[str, str] | None = None,
    sort: str = "",
    descending: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """One page of the collection's objects matching ``search`` (in the id, name
    and text columns) and ``filters`` (column key -> value, choice columns only;
    "" means not set; "-" means no value), sorted by ``sort`` (a column key;
    "" is the document's order), empty values last either way."""
    plan = get_plan(session, caller, plan_id)
    model, columns = collection_or_404(collection)
    by_key = {c.key: c for c in columns}
    where = [model.plan_id == plan.id]
    search = search.strip()[:MAX_SEARCH]
    if search:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search.lower()) + "%"
        text_columns = [c.expr for c in columns if c.kind == "text"]
        where.append(or_(*(func.lower(e).like(pattern, escape="\\") for e in text_columns)))
    for key, value in (filters or {}).items():
        column = by_key.get(key)
        if column is None or not column.choice or value == "":
            continue
        where.append(column.expr.is_(None) if value == "-" else column.expr == _parse_choice(column, value))
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[1]
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    order: list[Any] = []
    if sort in by_key:
        expr = by_key[sort].expr
        order = [expr.is_(None), expr.desc() if descending else expr]
    order.append(model.position.desc() if descending and sort == "" else model.position)
    query = select(*(c.expr.label(c.key) for c in columns)).where(*where).order_by(*order)
    rows = [dict(r._mapping) for r in session.execute(query.offset((page - 1) * page_size).limit(page_size))]
    options = {}
    for c in columns:
        if c.choice:
            values = session.scalars(select(c.expr).where(model.plan_id == plan.id).distinct())
            texts = sorted({_as_text(v) if v is not None else "-" for v in values}, key=lambda s: (s == "-", s))
            options[c.key] = texts
    return Page(collection, columns, rows, total, page, page_size, options)


def inventory_object(session: Session, caller: Caller, plan_id: int, collection: str, ext_id: str) -> dict[str, Any]:
    """One object as the inventory document has it."""
    plan = get_plan(session, caller, plan_id)
    collection_or_404(collection)
    found = read_objects(session, plan, collection, [ext_id])
    if not found:
        raise NotFound(f"no {SINGULAR[collection]} {ext_id!r} in plan {plan_id}")
    return found[0]


def objects_naming(session: Session, caller: Caller, plan_id: int, collection: str, ext_id: str) -> dict[str, int]:
    """How many objects of each collection name this one in a column (VMs on a host, networks of a zone…),
    keyed "collection.column" (the filter that lists them)."""
    plan = get_plan(session, caller, plan_id)
    out: dict[str, int] = {}
    for name, (model, columns) in TABLES.items():
        for c in columns:
            if c.ref == collection and c.choice:
                n = session.scalar(
                    select(func.count()).select_from(model).where(model.plan_id == plan.id, c.expr == ext_id)
                )
                if n:
                    out[f"{name}.{c.key}"] = n
    return out


def object_names(session: Session, caller: Caller, plan_id: int, collection: str) -> list[tuple[str, str]]:
    """(id, name) of every object of a collection, in document order: the choices of a reference."""
    plan = get_plan(session, caller, plan_id)
    model, _columns = collection_or_404(collection)
    rows = session.execute(
        select(model.ext_id, model.name).where(model.plan_id == plan.id).order_by(model.position)
    ).all()
    return [(ext_id, name or ext_id) for ext_id, name in rows]


# --- editing one object ---------------------------------------------------------------------

#: What the web may change of an object, per collection: form field -> path in the object.
EDITABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "vms": {
        "zone": ("zone",),
        "host": ("host",),
        "pinned": ("pinned",),
        "confidentiality": ("categorization", "confidentiality"),
        "integrity": ("categorization", "integrity"),
        "availability": ("categorization", "availability"),
    },
    "hosts": {"cluster": ("cluster",), "dedicated_zone": ("dedicated_zone",)},
    "networks": {"zone": ("zone",)},
}
_OWN_PATH = re.compile(r"^(\w+)\[0\]\.?(.*)$")


def edit_object(
    session: Session,
    caller: Caller,
    plan_id: int,
    collection: str,
    ext_id: str,
    changes: Mapping[str, Any],
    if_match: str | None,
) -> tuple[Plan, bool]:
    """Set some of an object's editable fields (``EDITABLE``; None clears one) and
    store it through a PATCH of that object with ``if_match``. Problems name the
    field they concern (``zone``, ``confidentiality``…); nothing is written on one."""
    editable = EDITABLE.get(collection)
    if editable is None:
        raise Invalid(f"{collection} cannot be edited here", [{"path": "", "message": "not an editable collection"}])
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise Invalid(
            "unknown fields", [{"path": k, "message": f"expected one of {', '.join(editable)}"} for k in unknown]
        )
    obj = inventory_object(session, caller, plan_id, collection, ext_id)
    for key, value in changes.items():
        *parents, leaf = editable[key]
        target = obj
        for p in parents:
            if not isinstance(target.get(p), dict):
                target[p] = {}
            target = target[p]
        target[leaf] = value
    paths = {".".join(path): key for key, path in editable.items()}
    try:
        return patch_inventory(
            session,
            caller,
            plan_id,
            {"schema": SCHEMA_ID, collection: [obj]},
            if_match,
            how=f"{SINGULAR[collection]} {ext_id} edited",
        )
    except Invalid as exc:
        problems = []
        for p in exc.problems:
            own = _OWN_PATH.match(p["path"])
            rest = own.group(2) if own else p["path"]
            problems.append({"path": paths.get(rest, rest), "message": p["message"]})
        raise Invalid(f"the {SINGULAR[collection]} was not changed", problems) from None


# --- uploading a whole document -------------------------------------------------------------


@dataclass
class ObjectProblems:
    """The problems of one object of an uploaded document (or of the document itself)."""

    collection: str | None
    index: int | None
    id: str | None
    problems: list[dict[str, str]]

    @property
    def label(self) -> str:
        if self.collection is None:
            return "The document"
        what = SINGULAR.get(self.collection, self.collection)
        return f"{what} {self.id!r}" if self.id else f"{what} number {(self.index or 0) + 1}"


class InvalidUpload(Invalid):
    """An upload refused; ``objects`` groups its problems by the object they concern, in document order."""

    def __init__(self, message: str, problems: list[dict[str, str]], objects: list[ObjectProblems]):
        super().__init__(message, problems)
        self.objects = objects


_OBJECT_PATH = re.compile(r"^(\w+)\[(\d+)\]")


def problems_by_object(document: Any, problems: Iterable[Mapping[str, str]]) -> list[ObjectProblems]:
    """Problems grouped by the object their JSON path starts with (``vms[3].zone`` -> the 4th VM,
    named by its id when it has one); the document's own problems first."""
    groups: dict[tuple[str, int] | None, ObjectProblems] = {}
    for p in problems:
        m = _OBJECT_PATH.match(p["path"])
        key = (m.group(1), int(m.group(2))) if m else None
        if key not in groups:
            oid = None
            if key is not None:
                items = document.get(key[0]) if isinstance(document, dict) else None
                item = items[key[1]] if isinstance(items, list) and key[1] < len(items) else None
                raw = item.get("id") if isinstance(item, dict) else None
                oid = raw if isinstance(raw, str) else None
            groups[key] = ObjectProblems(key[0] if key else None, key[1] if key else None, oid, [])
        groups[key].problems.append({"path": p["path"], "message": p["message"]})
    order = {name: i for i, name in enumerate(COLLECTIONS)}
    return sorted(
        groups.values(), key=lambda g: (g.collection is not None, order.get(g.collection or "", 99), g.index or 0)
    )


def parse_upload(data: bytes) -> Any:
    """An uploaded file as JSON, read as the API reads an inventory body (the
    strict reader: UTF-8, no duplicate keys, the inventory's structure bounds);
    Invalid with the position of a syntax error."""
    try:
        return parse_json(data, inventory_limits.DOCUMENT)
    except JsonInputError as exc:
        raise Invalid("the file is not an acceptable JSON document", [p.to_dict() for p in exc.problems]) from None


def upload_inventory(
    session: Session, caller: Caller, plan_id: int, filename: str, data: bytes, if_match: str | None
) -> tuple[Plan, bool]:
    """Replace the plan's inventory with an uploaded document; on any problem
    :class:`InvalidUpload` (problems grouped by object) and nothing is stored."""
    get_plan(session, caller, plan_id)
    try:
        document = parse_upload(data)
    except Invalid as exc:
        raise InvalidUpload(exc.message, exc.problems, problems_by_object(None, exc.problems)) from None
    try:
        return put_inventory(session, caller, plan_id, document, if_match, how=f"uploaded {filename}"[:200])
    except Invalid as exc:
        raise InvalidUpload(exc.message, exc.problems, problems_by_object(document, exc.problems)) from None


# --- versions -------------------------------------------------------------------------------


def inventory_versions(session: Session, caller: Caller, plan_id: int) -> tuple[Plan, list[InventoryVersion]]:
    """The kept versions of the plan's inventory, newest first (their documents not loaded)."""
    plan = get_plan(session, caller, plan_id)
    rows = session.scalars(
        select(InventoryVersion).where(InventoryVersion.plan_id == plan.id).order_by(InventoryVersion.version.desc())
    ).all()
    return plan, list(rows)


def inventory_at(session: Session, caller: Caller, plan_id: int, version: int) -> dict[str, Any]:
    """The document at a kept version (0: the empty inventory every plan starts with)."""
    plan = get_plan(session, caller, plan_id)
    if version == 0:
        return {"schema": SCHEMA_ID, **{name: [] for name in COLLECTIONS}}
    row = session.scalar(
        select(InventoryVersion).where(InventoryVersion.plan_id == plan.id, InventoryVersion.version == version)
    )
    if row is None:
        raise NotFound(f"version {version} of plan {plan_id}'s inventory was not kept")
    return unpack_version(row)


def compare_versions(session: Session, caller: Caller, plan_id: int, older: int, newer: int) -> InventoryDiff:
    """What changed from version ``older`` to version ``newer``."""
    return diff_documents(inventory_at(session, caller, plan_id, older), inventory_at(session, caller, plan_id, newer))
