"""The inventory document (contract v1): its schema, its validation, and the
typed estate built from it. Pure: no Flask, no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from planner.core.json_input import JsonInputError, parse_json

from .estate import Estate, estate_from_document
from .limits import DOCUMENT
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
    """Parse a JSON file within the contract's limits (:mod:`.limits`); a syntax
    error or a broken limit becomes an InventoryError with its position or path."""
    try:
        return parse_json(Path(path).read_bytes(), DOCUMENT)
    except JsonInputError as exc:
        raise InventoryError(exc.problems) from None


def load_estate(document: Any, today: dt.date | None = None) -> Estate:
    """Validate a parsed document and return the typed estate."""
    return estate_from_document(validate_document(document), today)
