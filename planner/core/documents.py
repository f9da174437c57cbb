"""Reading a document's bytes: the same rules and messages at every door.

An inventory or an answers file comes as bytes — a file for the CLI, a
request body for the API. Both accept UTF-8 with or without a byte-order mark,
and both refuse the same things with the same words: an empty document, bytes
that are not UTF-8 (with the offset of the first bad byte). JSON is then read
by :func:`planner.core.json_input.parse_json` (syntax, limits, duplicate keys),
YAML by PyYAML's safe loader.
"""

from __future__ import annotations


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
