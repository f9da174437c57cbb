"""The REST API, ``/api/v1``: flask-smorest blueprints with their OpenAPI 3
description at ``/api/v1/openapi.json`` and Swagger UI at ``/api/v1/docs``
(served from the swagger-ui-bundle package, never from a CDN). Errors are
problem+json (planner.api.problems; the app factory routes them there)."""

from __future__ import annotations

import http
from typing import Any

from apispec import BasePlugin
from flask import Flask, send_from_directory
from flask_smorest import Api as SmorestApi
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_smorest.utils import prepare_response
from swagger_ui_bundle import swagger_ui_path

from planner.core.inventory.schema import InventorySchema
from planner.database import RowId

from . import answers, auth, evidence, findings, graph, imports, inventory, placement, plans, reports
from .blueprint import MAX_PAGE
from .problems import PROBLEM_JSON, ProblemSchema

#: Swagger UI's files; the page itself is the web's (planner.web, ``/api/v1/docs``).
DOCS_ASSETS = "/api/v1/docs/assets/"
WRITES = ("post", "put", "patch", "delete")


class ProblemResponses(BasePlugin):
    """Every operation lists the problems it can answer with, each as
    ``application/problem+json``: 401 always (every call needs a token), 403
    for writes (a read token), 404 where the path names an object, 400, 413,
    415 and 422 where a body is read, 422 where query arguments are, 412
    where If-Match is honoured."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            statuses = [401]
            if method in WRITES:
                statuses.append(403)
            if "{" in (path or ""):
                statuses.append(404)
            if "requestBody" in operation or any(p.get("in") == "body" for p in parameters):
                statuses += [400, 413, 415, 422]
            if any(p.get("in") == "query" for p in parameters if isinstance(p, dict)):
                statuses.append(422)
            if any(p.get("name") == "If-Match" for p in parameters if isinstance(p, dict)):
                statuses.append(412)
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)
            for status, response in responses.items():
                if isinstance(response, dict) and int(status) >= 400:  # documented in place: same body
                    response["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            for parameter in parameters:
                if isinstance(parameter, dict) and parameter.get("in") == "query" and parameter["name"] == "page":
                    parameter.setdefault("schema", {})["maximum"] = MAX_PAGE


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema
    #: Each operation lists its own problems (no catch-all "default" answer).
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self):
        """A response component per HTTP status, errors as problem+json."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)


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
    api = Api(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    api.register_converter(RowId, integerconverter2paramschema)
    api.spec.components.schema("Inventory", schema=InventorySchema)
    for blueprint in (
        plans.blp,
        inventory.blp,
        imports.blp,
        evidence.blp,
        answers.blp,
        findings.blp,
        placement.blp,
        graph.blp,
        reports.blp,
    ):
        api.register_blueprint(blueprint)

    @app.route(DOCS_ASSETS + "<path:filename>", endpoint="api_docs_assets")
    def _docs_assets(filename):
        return send_from_directory(swagger_ui_path, filename)

    app.before_request(auth.authenticate)
    return api
