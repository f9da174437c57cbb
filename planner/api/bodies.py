"""Request bodies the API parses itself (documents too large or too free-form
for webargs): JSON only, with a precise 400/415 problem when it is not."""

from __future__ import annotations

from flask import Response, request

from planner.core.documents import DocumentError, parse_json

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
    try:
        # The CLI reads files with the same function: same rules, same words.
        return parse_json(request.get_data(cache=False))
    except DocumentError as exc:
        raise BodyError(problem(400, "Bad Request", str(exc))) from None
