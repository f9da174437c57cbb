"""Request bodies the API parses itself (documents too large or too free-form
for webargs): JSON only, with a precise 400/415 problem when it is not."""

from __future__ import annotations

import json

from flask import Response, request

from .problems import problem


class BodyError(Exception):
    """The body could not be read; ``response`` is the problem to answer with."""

    def __init__(self, response: Response):
        self.response = response


def json_body():
    """The request's JSON body, or a precise 400/415 problem."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise BodyError(
            problem(
                415,
                "Unsupported Media Type",
                f"send the document as application/json (got {mimetype or 'no content type'})",
            )
        )
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BodyError(problem(400, "Bad Request", "the body is not UTF-8 text")) from None
    except json.JSONDecodeError as exc:
        raise BodyError(
            problem(400, "Bad Request", f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        ) from None
