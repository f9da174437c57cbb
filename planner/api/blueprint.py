"""The API's blueprint: flask-smorest's, reading bodies and query arguments
with the strict reader (:class:`.bodies.StrictParser`) and with pages bounded,
so that no page number reaches the database as an offset it cannot hold."""

from __future__ import annotations

from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort

from .bodies import StrictParser

#: The highest page number a listing accepts (page sizes are at most 500).
MAX_PAGE = 1_000_000


class _PageParser(StrictParser):
    def parse(self, argmap, req=None, **kwargs):
        params = super().parse(argmap, req, **kwargs)
        if params.page > MAX_PAGE:
            abort(
                422,
                message="invalid query arguments",
                errors=[{"path": "page", "message": f"expected a value ≥ 1 and ≤ {MAX_PAGE:,}, got {params.page}"}],
            )
        return params


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = StrictParser()
    PAGINATION_ARGUMENTS_PARSER = _PageParser()

    def _document_pagination_metadata(self, spec, resp_doc):
        """X-Pagination is a header: a string holding JSON, not an object."""
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "the page as JSON text: "
            '{"total", "total_pages", "first_page", "last_page", "page", "previous_page", "next_page"} '
            "(numbers; pages absent when there are none)",
            "schema": {"type": "string", "example": '{"total": 12, "total_pages": 2, "page": 1, "next_page": 2}'},
        }
