"""What every page shares: the site's own static files (styles, the few
scripts), the templates folder, and the API's documentation page."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from planner.api import DOCS_ASSETS

from .guards import login_required

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")


@bp.route("/api/v1/docs")
@login_required
def api_docs():
    """Swagger UI over the OpenAPI document, for a signed-in user (the page fetches the document with its cookie)."""
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"), assets=DOCS_ASSETS)
