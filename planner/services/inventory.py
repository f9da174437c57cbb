"""A plan's inventory for people: its objects as tables (sorted, filtered and
paginated from the stored document, one read of it per page), one object, an
upload of a whole document, an edit of one object's zone, categorization or
placement (a PATCH with If-Match underneath, so the document is validated
whole and nothing is written on a problem), and the kept versions with what
changed between two of them.

Every function is scoped to the caller's organization through
:func:`planner.services.plans.get_plan` (another organization's plan is
:class:`NotFound`). The caller commits.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InventoryVersion, Plan
from models.inventory_store import document_digest, inventory_digest, read_document, read_inventory_json, read_version
from planner.core.inventory import InventoryDocument, plainly_valid
from planner.core.inventory import limits as inventory_limits
from planner.core.inventory.diff import InventoryDiff, diff_documents
from planner.core.inventory.document import document_from_canonical
from planner.core.inventory.schema import COLLECTIONS, SCHEMA_ID
from planner.core.json_input import JsonInputError, parse_json

from .accounts import Caller
from .errors import Invalid, NotFound
from .plans import get_plan, patch_inventory, put_inventory

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
    #: Where the value is in an object of the document (``categorization.integrity``); default: ``key``.
    path: str = ""
    kind: str = "text"  # text | number | flag
    #: The collection a reference column names (its values link to those objects).
    ref: str | None = None
    #: Filterable by one of its values (the page offers them in a list).
    choice: bool = False
    #: An abbreviation for the table's heading ("C" for confidentiality).
    short: str | None = None

    #: This column's value in one typed object of the document (None: not stated); made
    #: once from ``path``, as tables call it for every object.
    value: Callable[[Any], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parent, _, leaf = (self.path or self.key).rpartition(".")
        if parent:  # a field of a nested object that may be absent (None)
            holder, own = attrgetter(parent), attrgetter(leaf)
            object.__setattr__(self, "value", lambda obj: None if (h := holder(obj)) is None else own(h))
        else:
            object.__setattr__(self, "value", attrgetter(leaf))


_IDENT = (Column("id", "ID"), Column("name", "Name"))
TABLES: dict[str, tuple[Column, ...]] = {
    "zones": (
        *_IDENT,
        Column("trust_level", "Trust level", kind="number", choice=True),
        Column("purpose", "Purpose", choice=True),
    ),
    "clusters": _IDENT,
    "networks": (
        *_IDENT,
        Column("kind", "Kind", choice=True),
        Column("vlan", "VLAN", kind="number"),
        Column("zone", "Zone", ref="zones", choice=True),
        Column("purpose", "Purpose", choice=True),
    ),
    "hosts": (
        *_IDENT,
        Column("cluster", "Cluster", ref="clusters", choice=True),
        Column("hypervisor", "Hypervisor", "hypervisor.product", choice=True),
        Column("version", "Version", "hypervisor.version"),
        Column("cpu_cores", "Cores", kind="number"),
        Column("memory_gib", "Memory GiB", kind="number"),
        Column("dedicated_zone", "Dedicated to", ref="zones", choice=True),
    ),
    "datastores": (
        *_IDENT,
        Column("kind", "Kind", choice=True),
        Column("encrypted", "Encrypted", kind="flag", choice=True),
    ),
    "vms": (
        *_IDENT,
        Column("zone", "Zone", ref="zones", choice=True),
        Column("host", "Host", ref="hosts", choice=True),
        Column("vcpus", "vCPUs", kind="number"),
        Column("memory_gib", "Memory GiB", kind="number"),
        Column("confidentiality", "Confidentiality", "categorization.confidentiality", choice=True, short="C"),
        Column("integrity", "Integrity", "categorization.integrity", choice=True, short="I"),
        Column("availability", "Availability", "categorization.availability", choice=True, short="A"),
        Column("internet_facing", "Internet-facing", kind="flag", choice=True),
        Column("role", "Role"),
    ),
    "appliances": (
        *_IDENT,
        Column("kind", "Kind", choice=True),
        Column("filtering", "Filtering", kind="flag", choice=True),
        Column("vm", "Runs as VM", ref="vms"),
    ),
}
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
    #: The plan whose inventory this is (read once, scoped to the caller's organization).
    plan: Plan
    #: The values each choice column holds in this plan (for its filter), as text.
    options: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def collection_or_404(collection: str) -> tuple[Column, ...]:
    if collection not in TABLES:
        raise NotFound(f"no inventory collection {collection!r} (expected one of {', '.join(COLLECTIONS)})")
    return TABLES[collection]


def as_text(value: Any) -> str:
    """A value as a table shows it and a filter names it ("-": no value)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
    and text columns, ignoring case) and ``filters`` (column key -> value as
    :func:`as_text` writes it, choice columns only; "" means not set; "-" means
    no value), sorted by ``sort`` (a column key; "" is the document's order),
    empty values last either way, ties in the document's order."""
    columns = collection_or_404(collection)
    plan = get_plan(session, caller, plan_id)
    table = _table(session, plan, collection)
    objects: Sequence[Any] = table.objects
    by_key = {c.key: c for c in columns}
    held = table.held
    for key, text in (filters or {}).items():
        if key in held and text != "":
            column, matching = by_key[key], {x for x in held[key] if as_text(x) == text}
            objects = [o for o in objects if column.value(o) in matching]
    search = search.strip()[:MAX_SEARCH].lower()
    if search:
        texts = [c for c in columns if c.kind == "text"]
        objects = [o for o in objects if any(search in (c.value(o) or "").lower() for c in texts)]
    if sort in by_key:
        column = by_key[sort]
        stated = [o for o in objects if column.value(o) is not None]
        stated.sort(key=column.value, reverse=descending)  # stable: ties keep the document's order
        objects = stated + [o for o in objects if column.value(o) is None]
    elif descending:
        objects = objects[::-1]
    page_size = page_size if page_size in PAGE_SIZES else PAGE_SIZES[1]
    pages = max(1, -(-len(objects) // page_size))
    page = min(max(1, page), pages)
    shown = objects[(page - 1) * page_size : page * page_size]
    rows = [{c.key: c.value(o) for c in columns} for o in shown]
    options = {key: list(values) for key, values in table.options.items()}
    return Page(collection, columns, rows, len(objects), page, page_size, plan, options)


@dataclass(frozen=True)
class _Table:
    """One collection of one stored inventory document, as its table pages start from."""

    #: The collection's typed objects, in document order (never changed: pages filter and sort copies).
    objects: tuple[Any, ...]
    #: The values each choice column holds, and those as its filter offers them (text, sorted, "-" last).
    held: dict[str, frozenset[Any]]
    options: dict[str, tuple[str, ...]]


#: Tables read lately in this process, by (digest of the document's canonical JSON, collection):
#: content-addressed, so a new inventory version (made by any process, or rolled back) has
#: another key and is read at once — no answer from here can be stale. Bounded by the objects
#: held (a 2,000-VM collection is about 3.6 MB of Python objects, so at most about 90 MB); a
#: collection larger than the bound is read each time.
_tables: OrderedDict[tuple[str, str], _Table] = OrderedDict()
_TABLES_KEPT_OBJECTS = 50_000
_tables_lock = threading.Lock()


def _table(session: Session, plan: Plan, collection: str) -> _Table:
    """The plan's current ``collection`` as a :class:`_Table` (remembered by content digest)."""
    key = (inventory_digest(session, plan), collection)
    with _tables_lock:
        if (table := _tables.get(key)) is not None:
            _tables.move_to_end(key)
            return table
    data = read_inventory_json(session, plan)
    key = (document_digest(data), collection)  # of exactly the bytes read: the stored digest
    objects = tuple(getattr(document_from_canonical(data), collection))
    held = {c.key: frozenset(map(c.value, objects)) for c in TABLES[collection] if c.choice}
    options = {k: tuple(sorted({as_text(x) for x in v}, key=lambda t: (t == "-", t))) for k, v in held.items()}
    table = _Table(objects, held, options)
    if len(objects) <= _TABLES_KEPT_OBJECTS:
        with _tables_lock:
            _tables[key] = table
            while sum(len(t.objects) for t in _tables.values()) > _TABLES_KEPT_OBJECTS:
                _tables.popitem(last=False)
    return table


def inventory_object(session: Session, caller: Caller, plan_id: int, collection: str, ext_id: str) -> dict[str, Any]:
    """One object as the inventory document has it."""
    collection_or_404(collection)
    doc = read_document(session, get_plan(session, caller, plan_id))
    return msgspec.to_builtins(_find(doc, collection, ext_id, plan_id))


@dataclass
class ObjectView:
    """One object of a plan's inventory, and what its page shows beside it."""

    object: dict[str, Any]
    #: How many objects of each collection name this one in a column (VMs on a host, networks
    #: of a zone…), keyed "collection.column" (the filter that lists them).
    naming: dict[str, int]
    #: (id, name) of every object of each collection its edit form refers to, in document
    #: order: the choices of a reference.
    names: dict[str, list[tuple[str, str]]]


def object_view(session: Session, caller: Caller, plan_id: int, collection: str, ext_id: str) -> ObjectView:
    """The object ``ext_id`` of ``collection`` with what its page shows beside it (one read)."""
    collection_or_404(collection)
    doc = read_document(session, get_plan(session, caller, plan_id))
    found = _find(doc, collection, ext_id, plan_id)
    editable = EDITABLE.get(collection, {})
    targets = {c.ref for c in TABLES[collection] if c.ref and c.key in editable}
    names = {name: [(o.id, o.name or o.id) for o in getattr(doc, name)] for name in sorted(targets)}
    return ObjectView(msgspec.to_builtins(found), _naming(doc, collection, ext_id), names)


def _find(doc: InventoryDocument, collection: str, ext_id: str, plan_id: int) -> Any:
    found = next((o for o in getattr(doc, collection) if o.id == ext_id), None)
    if found is None:
        raise NotFound(f"no {SINGULAR[collection]} {ext_id!r} in plan {plan_id}")
    return found


def _naming(doc: InventoryDocument, collection: str, ext_id: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, columns in TABLES.items():
        for c in columns:
            if c.ref == collection and c.choice:
                n = sum(1 for o in getattr(doc, name) if c.value(o) == ext_id)
                if n:
                    out[f"{name}.{c.key}"] = n
    return out


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
        # A plainly valid document is read in C (as the API reads a PUT); any other is
        # parsed by the strict reader and checked by put_inventory, which words every problem.
        document = plainly_valid(data) or parse_upload(data)
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
    document = read_version(session, get_plan(session, caller, plan_id), version)
    if document is None:
        raise NotFound(f"version {version} of plan {plan_id}'s inventory was not kept")
    return document


def compare_versions(session: Session, caller: Caller, plan_id: int, older: int, newer: int) -> InventoryDiff:
    """What changed from version ``older`` to version ``newer``."""
    return diff_documents(inventory_at(session, caller, plan_id, older), inventory_at(session, caller, plan_id, newer))
