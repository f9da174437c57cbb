"""``/api/v1/plans/{id}/graph``: the plan's estate graph (zones, hosts, VMs,
networks, appliances, datastores, the management plane, and the typed edges
between them) as GraphML or node-link JSON, the same bytes ``virtplan graph``
writes for the same inventory."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from planner import database
from planner.core.analysis import build_graph, to_graphml, to_node_link_json
from planner.services import plans as service
from planner.services.answers import plan_estate

from .auth import current_caller
from .blueprint import Blueprint

blp = Blueprint("graph", __name__, url_prefix="/api/v1/plans", description="A plan's estate as a graph.")

_FORMATS = {"json": (to_node_link_json, "application/json"), "graphml": (to_graphml, "application/graphml+xml")}


class GraphQuery(Schema):
    class Meta:
        unknown = RAISE

    format = fields.String(load_default="json", validate=validate.OneOf(tuple(_FORMATS)))


@blp.route("/<int:plan_id>/graph")
class Graph(MethodView):
    @blp.arguments(GraphQuery, location="query")
    @blp.doc(
        responses={
            200: {
                "description": "the graph",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/graphml+xml": {"schema": {"type": "string"}},
                },
            }
        }
    )
    def get(self, query, plan_id):
        """The estate graph of the plan's stored inventory (``format=json|graphml``)."""
        db = database.session()
        plan = service.get_plan(db, current_caller(), plan_id)
        render, media_type = _FORMATS[query["format"]]
        resp = Response(render(build_graph(plan_estate(db, plan))), mimetype=media_type)
        resp.headers["ETag"] = service.etag(plan).replace("inventory-", "graph-")
        return resp
