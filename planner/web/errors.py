"""Errors as pages: the status, what went wrong in words, and the navigation
(a signed-in user keeps it), in the site's style. The API answers the same
errors as problem+json instead (planner.api.problems)."""

from __future__ import annotations

from flask import Response, render_template
from werkzeug.exceptions import HTTPException

#: Headers an error carries that its page must keep (Retry-After on 429, Allow on 405…).
_KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")


def error_page(error: HTTPException) -> Response:
    code = error.code or 500
    response = Response(
        render_template("error.html", code=code, title=error.name, description=error.description),
        status=code,
        mimetype="text/html",
    )
    for name, value in error.get_headers():
        if name in _KEPT_HEADERS:
            response.headers[name] = value
    return response
