"""The inventory document (contract v1): its schema, its validation, and the
typed estate built from it. Pure: no Flask, no database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

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
    """Parse a JSON file; a syntax error becomes an InventoryError with its position."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(
            [Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None


def load_estate(document: Any, today: dt.date | None = None) -> Estate:
    """Validate a parsed document and return the typed estate."""
    return estate_from_document(validate_document(document), today)
