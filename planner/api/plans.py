"""``/api/v1/plans``: create, list, get, rename and delete plans."""

from __future__ import annotations

from flask.views import MethodView

from planner import database
from planner.services import answers
from planner.services import plans as service

from .auth import current_caller
from .blueprint import Blueprint
from .schemas import PlanCreateSchema, PlanSchema, PlanUpdateSchema

blp = Blueprint(
    "plans", __name__, url_prefix="/api/v1/plans", description="Deployment plans of the caller's organization."
)


def plan_body(plan, with_progress: bool = False) -> dict:
    """The plan as the API shows it; questionnaire progress (it reads the
    inventory) only where asked for, so listing plans stays cheap."""
    body = {c.key: getattr(plan, c.key) for c in plan.__table__.columns if c.key in PlanSchema._declared_fields}
    body["counts"] = service.plan_counts(database.session(), plan)
    if with_progress:
        body["progress"] = answers.plan_progress(database.session(), plan)
    return body


@blp.route("")
class Plans(MethodView):
    @blp.response(200, PlanSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List plans (paginated: ?page=1&page_size=10; totals in X-Pagination)."""
        p = pagination_parameters
        plans, total = service.list_plans(database.session(), current_caller(), (p.page - 1) * p.page_size, p.page_size)
        p.item_count = total
        return [plan_body(plan) for plan in plans]

    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    def post(self, body):
        """Create a plan."""
        db = database.session()
        plan = service.create_plan(db, current_caller(), body["name"], body.get("description"))
        db.commit()
        return plan_body(plan), 201, {"Location": f"/api/v1/plans/{plan.id}"}


@blp.route("/<int:plan_id>")
class PlanById(MethodView):
    @blp.response(200, PlanSchema)
    def get(self, plan_id):
        """A plan, with the size of its inventory and its questionnaire progress."""
        return plan_body(service.get_plan(database.session(), current_caller(), plan_id), with_progress=True)

    @blp.arguments(PlanUpdateSchema)
    @blp.response(200, PlanSchema)
    def patch(self, body, plan_id):
        """Rename a plan or change its description."""
        db = database.session()
        plan = service.rename_plan(db, current_caller(), plan_id, body.get("name"), body.get("description"))
        db.commit()
        return plan_body(plan)

    @blp.response(204)
    def delete(self, plan_id):
        """Delete a plan and everything in it."""
        db = database.session()
        service.delete_plan(db, current_caller(), plan_id)
        db.commit()
