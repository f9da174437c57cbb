"""Request bodies: JSON only, parsed by the core's strict reader
(:func:`planner.core.json_input.parse_json`: depth, size and number limits,
no duplicate keys, NaN or lone surrogates), with a precise problem when a
body is not acceptable: 415 for another media type, 400 for text that is not
JSON, 422 (each problem with its path) for JSON that breaks a limit.

Documents too large or too free-form for webargs (inventories, answers) are
read with :func:`json_body`; the bodies webargs reads (plans, triage, report
requests) go through :class:`StrictParser`, the same reader.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser

from planner.core.json_input import GENERIC, JsonInputError, Limits, parse_json

from .problems import problem


class BodyError(Exception):
    """The body could not be read; ``response`` is the problem to answer with."""

    def __init__(self, response: Response):
        self.response = response


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def _unsupported(mimetype: str) -> tuple[int, str, str]:
    return 415, "Unsupported Media Type", f"send the body as application/json (got {mimetype or 'no content type'})"


def _unreadable(exc: JsonInputError) -> tuple[int, str, str, list[dict]]:
    """(status, title, detail, errors) of a body the reader refused."""
    errors = [p.to_dict() for p in exc.problems]
    if exc.malformed:
        return 400, "Bad Request", exc.problems[0].message, []
    return 422, "Unprocessable Entity", "the JSON body is not acceptable; nothing was stored", errors


def json_bytes() -> bytes:
    """The request's body, when it says it is JSON; else a :class:`BodyError` (415)."""
    if not _is_json(request.mimetype):
        raise BodyError(problem(*_unsupported(request.mimetype)))
    return request.get_data(cache=False)


def parse_json_body(raw: bytes, limits: Limits = GENERIC) -> Any:
    """The JSON value of a body within ``limits``, or a :class:`BodyError` with the problem."""
    try:
        return parse_json(raw, limits)
    except JsonInputError as exc:
        raise BodyError(problem(*_unreadable(exc))) from None


def json_body(limits: Limits = GENERIC) -> Any:
    """The request's JSON body within ``limits``, or a :class:`BodyError` with the problem."""
    return parse_json_body(json_bytes(), limits)


class StrictParser(FlaskParser):
    """webargs' parser with the core's JSON reader: a body of another media type
    is 415 (not silently ignored), and a JSON body is read within the limits."""

    def _raw_load_json(self, req):
        data = req.get_data(cache=True)
        if not data:
            return core.missing  # no body: the schema says whether one is needed
        if not _is_json(req.mimetype):
            status, _title, detail = _unsupported(req.mimetype)
            abort(status, message=detail)
        try:
            return parse_json(data, GENERIC)
        except JsonInputError as exc:
            status, _title, detail, errors = _unreadable(exc)
            abort(status, message=detail, errors=errors)
