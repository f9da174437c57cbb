"""The inventory document (contract v1): its schema, its validation, and the
typed estate built from it. Pure: no Flask, no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from planner.core.documents import DocumentError, parse_json

from .estate import Estate, estate_from_document
from .schema import SCHEMA_ID
from .validate import InventoryError, Problem, problems_of, validate_document

__all__ = [
    "SCHEMA_ID",
    "Estate",
    "InventoryError",
    "Problem",
    "estate_from_document",
    "load_estate",
    "problems_of",
    "read_document",
    "validate_document",
]


def read_document(path: str | Path) -> Any:
    """Parse a JSON file (UTF-8, a byte-order mark allowed); an empty file, bytes that
    are not UTF-8 or a syntax error become an InventoryError saying so (the API's words too)."""
    try:
        return parse_json(Path(path).read_bytes())
    except DocumentError as exc:
        raise InventoryError([Problem("", str(exc))]) from None


def load_estate(document: Any, today: dt.date | None = None) -> Estate:
    """Validate a parsed document and return the typed estate."""
    return estate_from_document(validate_document(document), today)
