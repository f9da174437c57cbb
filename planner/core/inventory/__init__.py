"""The inventory document (contract v1): its schema, its validation, and the
typed estate built from it. Pure: no Flask, no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .document import document_from_json, estate_from_document, plainly_valid, read_json
from .estate import Estate, InventoryDocument
from .schema import SCHEMA_ID
from .validate import InventoryError, Problem, problems_of, validate_document

__all__ = [
    "SCHEMA_ID",
    "Estate",
    "InventoryDocument",
    "InventoryError",
    "Problem",
    "document_from_json",
    "estate_from_document",
    "load_estate",
    "load_estate_file",
    "plainly_valid",
    "problems_of",
    "read_document",
    "validate_document",
]


def read_document(path: str | Path) -> Any:
    """Parse a JSON file within the contract's limits (:mod:`.limits`); a syntax
    error or a broken limit becomes an InventoryError with its position or path."""
    return read_json(Path(path).read_bytes())


def load_estate(document: Any, today: dt.date | None = None) -> Estate:
    """Validate a parsed document and return the typed estate."""
    return estate_from_document(validate_document(document), today)


def load_estate_file(path: str | Path, today: dt.date | None = None) -> Estate:
    """The estate of the inventory file at ``path``, read, checked and typed in one pass
    (:func:`.document.document_from_json`); InventoryError lists every problem."""
    return document_from_json(Path(path).read_bytes()).estate(today)
