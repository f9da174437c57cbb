"""Reading a document's bytes: the same rules and messages at every door.

An inventory or an answers file comes as bytes — a file for the CLI, a
request body for the API. Both accept UTF-8 with or without a byte-order mark,
and both refuse the same things with the same words: an empty document, bytes
that are not UTF-8 (with the offset of the first bad byte). JSON is then read
by :func:`planner.core.json_input.parse_json` (syntax, limits, duplicate keys),
YAML by :func:`read_yaml` (PyYAML's safe loader, bounded).
"""

from __future__ import annotations

from typing import Any

import yaml


class DocumentError(ValueError):
    """The document cannot be read; the message says why, in words a user can act on."""


def document_text(raw: bytes) -> str:
    """The text of ``raw``: UTF-8, a leading byte-order mark allowed."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8 text: the byte 0x{raw[exc.start]:02X} at offset {exc.start} cannot be decoded "
            "(save the file as UTF-8)"
        ) from None
    if not text.strip():
        raise DocumentError("the document is empty")
    return text


def read_yaml(text: str, max_bytes: int) -> Any:
    r"""The data of a YAML ``text`` of at most ``max_bytes`` (UTF-8), read by
    PyYAML's safe loader. Aliases (``*name``) are refused: a few lines of
    anchors and aliases expand to billions of nodes ("billion laughs"), and no
    document VirtPlan reads needs them. Problems are :class:`DocumentError`\ s
    that give the line and column."""
    size = len(text.encode())
    if size > max_bytes:
        raise DocumentError(f"the document is {size:,} bytes; at most {max_bytes:,} are accepted")
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise DocumentError(f"YAML aliases (*name) are not allowed{_where(event.start_mark)}")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(f"not valid YAML{_where(getattr(exc, 'problem_mark', None))}: {problem}") from None


def _where(mark: Any) -> str:
    return f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
