"""``/api/v1/plans/{id}/inventory``: the plan's inventory document.

PUT replaces it whole, PATCH upserts and deletes objects, GET returns it. The
document is checked by the compiled validator of the core, not by
marshmallow at request time (far too slow at 100,000 VMs); its marshmallow
schema documents it in OpenAPI. Writes carry and honour ETags.
"""

from __future__ import annotations

import json

from flask import Response, request
from flask.views import MethodView

from planner import database
from planner.core.inventory import limits as inventory_limits
from planner.core.inventory import plainly_valid
from planner.services import plans as service

from .auth import current_caller
from .blueprint import Blueprint
from .bodies import BodyError, json_bytes, parse_json_body
from .schemas import InventoryWriteSchema

blp = Blueprint(
    "inventory", __name__, url_prefix="/api/v1/plans", description="A plan's inventory (virtplan.inventory/v1)."
)

_DOC_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Inventory"}}}}
_PATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "Objects to create or replace (whole, matched by id) per collection, and "
                "`delete`: {collection: [ids]}. policy, as_of and source replace the stored ones.",
            }
        }
    },
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "the ETag of the inventory this change is based on; a stale one gets 412",
}


def _written(plan, changed: bool) -> Response:
    body = InventoryWriteSchema().dump(
        {
            "plan": plan.id,
            "inventory_version": plan.inventory_version,
            "changed": changed,
            "counts": service.plan_counts(database.session(), plan),
        }
    )
    resp = Response(json.dumps(body), status=200, mimetype="application/json")
    resp.headers["ETag"] = service.etag(plan)
    return resp


def _write(plan_id: int, *, document: bool) -> Response:
    """Run the write use case (PUT of a whole ``document``, or PATCH) on the JSON body
    under the request's If-Match, commit, and answer with the new version.

    A whole document that is plainly valid is taken as the core reads it straight
    from the bytes (:func:`planner.core.inventory.plainly_valid`, in C); any other
    body is parsed by the strict reader within the contract's limits and checked by
    the use case, which words every problem. The bytes of the plan's current version
    sent again are not read at all (:func:`service.put_inventory_body`)."""
    db, if_match = database.session(), request.headers.get("If-Match")
    try:
        raw = json_bytes()
        if document:
            plan, changed = service.put_inventory_body(db, current_caller(), plan_id, raw, _read_document, if_match)
        else:
            patch = parse_json_body(raw, inventory_limits.PATCH)
            plan, changed = service.patch_inventory(db, current_caller(), plan_id, patch, if_match)
    except BodyError as exc:
        return exc.response
    db.commit()
    return _written(plan, changed)


def _read_document(raw: bytes):
    return plainly_valid(raw) or parse_json_body(raw, inventory_limits.DOCUMENT)


@blp.route("/<int:plan_id>/inventory")
class Inventory(MethodView):
    @blp.doc(
        responses={
            200: {
                "description": "the inventory document (ETag header: its version)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Inventory"}}},
            }
        }
    )
    def get(self, plan_id):
        """The plan's inventory, with defaults filled in."""
        plan, body = service.get_inventory_json(database.session(), current_caller(), plan_id)
        resp = Response(body, mimetype="application/json")
        resp.headers["ETag"] = service.etag(plan)
        return resp

    @blp.doc(requestBody=_DOC_BODY, parameters=[_IF_MATCH])
    @blp.response(200, InventoryWriteSchema)
    def put(self, plan_id):
        """Replace the whole inventory. Idempotent: sending the same document again changes nothing."""
        return _write(plan_id, document=True)

    @blp.doc(requestBody=_PATCH_BODY, parameters=[_IF_MATCH])
    @blp.response(200, InventoryWriteSchema)
    def patch(self, plan_id):
        """Create or replace the objects sent; delete those listed under `delete`."""
        return _write(plan_id, document=False)
