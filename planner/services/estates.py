"""A plan's stored inventory as an estate, kept in this process per version.

Reading a 10,000-VM inventory back from its tables and building the estate
takes about a second; pages about a plan need it at every view (the
assessment's estate, the questionnaire's inventory facts), while the inventory
changes seldom. So the last few estates are kept, keyed by what identifies
the stored content exactly: the database, the plan (its id and creation
time: an id SQLite reuses is another plan), its inventory version and the
time of that version's write (a write rolled back leaves a key no committed
version has). Estates are read-only by convention (the core replaces, never
mutates them), so one may be shared. A 10,000-VM estate is about 8 MiB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from models import Plan
from models.inventory_store import read_inventory
from planner.core.inventory import Estate, estate_from_document

_T = TypeVar("_T")


class VersionCache(Generic[_T]):
    """The last ``size`` values made from a plan's stored inventory, by inventory version."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[tuple, _T] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, session: Session, plan: Plan, make: Callable[[], _T]) -> _T:
        key = (
            str(session.get_bind().engine.url),
            plan.id,
            plan.created_at,
            plan.inventory_version,
            plan.inventory_updated_at,
        )
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_estates: VersionCache[Estate] = VersionCache(4)


def stored_estate(session: Session, plan: Plan) -> Estate:
    """The plan's stored inventory as an estate (stored documents are normalized)."""
    return _estates.get(session, plan, lambda: estate_from_document(read_inventory(session, plan)))
