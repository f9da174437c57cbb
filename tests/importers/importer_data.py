"""Inputs the importer tests share: a mapping for the synthetic estates of
bench/cmdb_exports.py, and small helpers to build sources by hand."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
from cmdb_exports import MAPPING


def mapping(text: str = MAPPING) -> Any:
    from planner.importers import load_mapping

    return load_mapping("mapping.yaml", text)


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An xlsx with these sheets (first row = header), as bytes."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def json_file(name: str, body: Any) -> tuple[str, bytes]:
    return name, json.dumps(body).encode()
