"""The REST API, ``/api/v1``: flask-smorest blueprints with their OpenAPI 3
description at ``/api/v1/openapi.json`` and Swagger UI at ``/api/v1/docs``
(served from the swagger-ui-bundle package, never from a CDN). Errors are
problem+json (planner.api.problems; the app factory routes them there)."""

from __future__ import annotations

from flask import Flask, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from planner.core.inventory.schema import InventorySchema

from . import answers, auth, findings, graph, imports, inventory, plans, reports

#: Swagger UI's files; the page itself is the web's (planner.web, ``/api/v1/docs``).
DOCS_ASSETS = "/api/v1/docs/assets/"


def init_app(app: Flask) -> Api:
    app.config.update(
        API_TITLE="VirtPlan",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Plan and assess virtualization deployments on NIST SP 800-125. "
                "Every call needs `Authorization: Bearer <token>`."
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = Api(app)
    api.spec.components.schema("Inventory", schema=InventorySchema)
    for blueprint in (plans.blp, inventory.blp, imports.blp, answers.blp, findings.blp, graph.blp, reports.blp):
        api.register_blueprint(blueprint)

    @app.route(DOCS_ASSETS + "<path:filename>", endpoint="api_docs_assets")
    def _docs_assets(filename):
        return send_from_directory(swagger_ui_path, filename)

    app.before_request(auth.authenticate)
    return api
