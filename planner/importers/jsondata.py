"""Reading the JSON files of a CMDB export, with limits and precise errors."""

from __future__ import annotations

import json
from typing import Any

from .diagnostics import fail
from .xlsx import Limits


def parse_json(name: str, data: bytes, limits: Limits) -> Any:
    """The parsed JSON of file ``name``; a SourceError names the file and the position."""
    if len(data) > limits.max_file_bytes:
        raise fail(name, f"the file is {len(data):,} bytes; at most {limits.max_file_bytes:,} are accepted")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail(name, "not UTF-8 text: a JSON file must be UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(name, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise fail(name, "the JSON nests too deeply to be a CMDB export") from None


def text(value: Any, limit: int = 500) -> str | None:
    """A scalar as stripped text (None for empty or structured values)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    return out[:limit] if out else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            return None
    return None
