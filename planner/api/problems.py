"""Every API error as RFC 9457 ``application/problem+json``.

``errors`` lists each problem with the JSON path at fault and a message that
says what was expected; clients can show them as they are.
"""

from __future__ import annotations

from flask import Response, json
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from planner.services.errors import ServiceError

PROBLEM_JSON = "application/problem+json"


class ProblemErrorSchema(Schema):
    class Meta:
        ordered = True

    path = fields.String(
        metadata={"description": "where, as a JSON path into the body or the name of a query argument"}
    )
    message = fields.String(metadata={"description": "what was expected"})


class ProblemSchema(Schema):
    """An RFC 9457 problem, as every error of the API is answered."""

    class Meta:
        ordered = True

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Unprocessable Entity"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String(metadata={"description": "what went wrong, in words"})
    errors = fields.List(fields.Nested(ProblemErrorSchema), metadata={"description": "each problem with its path"})


def problem(
    status: int, title: str, detail: str | None = None, errors: list | None = None, headers: dict | None = None
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _flatten(messages, prefix: str = "") -> list[dict]:
    """webargs/marshmallow nested error dicts -> [{path, message}]."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if (key in ("json", "query", "headers", "form", "view_args") and not prefix) or key == "_schema":
                out.extend(_flatten(value, prefix))  # the location, or the object as a whole
                continue
            path = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            out.extend(_flatten(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.extend({"path": prefix, "message": m} for m in messages)
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            out.extend(_flatten(m, f"{prefix}[{i}]"))
    else:
        out.append({"path": prefix, "message": str(messages)})
    return out


def from_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = data.get("errors")
    if errors is None and "messages" in data:
        errors = _flatten(data["messages"])
    detail = data.get("message") or error.description
    headers = dict(data.get("headers") or {})
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(error.code or 500, error.name, detail, errors, headers)


def from_service_error(error: ServiceError) -> Response:
    title = HTTP_STATUS_CODES.get(error.status, "Bad Request")
    return problem(error.status, title, error.message, error.problems, error.headers)
