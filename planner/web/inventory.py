"""A plan's inventory: upload a document (its problems listed by JSON path
beside the object they concern, nothing stored on one), import an RVTools,
NetBox or ServiceNow export (a dry run shows what would change, then apply
exactly that), browse each collection as a sortable, filterable, paginated
table, edit an object's zone, categorization and placement (a PATCH with
If-Match underneath), and compare kept versions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField

from planner import database
from planner.importers import SOURCES
from planner.jobs import hand_over
from planner.services import imports as import_service
from planner.services import inventory as service
from planner.services import plans as plan_service
from planner.services.errors import Conflict, Invalid, StaleWrite

from .forms import Form, options
from .guards import login_required, require_write

bp = Blueprint("inventory", __name__)

PLAN_TAB = ("Inventory", "web.inventory.index")
SOURCE_NAMES = {"rvtools": "RVTools export (xlsx or its CSV files)", "netbox": "NetBox (saved API pages, JSON)",
                "servicenow": "ServiceNow CMDB (Table API pages, JSON)"}  # fmt: skip
LEVELS = [("", "Not categorized"), ("low", "Low"), ("moderate", "Moderate"), ("high", "High")]
STALE = (
    "The inventory changed since you opened this page (it is now version {version}), so nothing was saved. "
    "The page shows it as it is now; your values are kept in the form: check them and save again."
)


class UploadForm(Form):
    version = HiddenField()
    document = FileField(
        "Inventory document (JSON)",
        description="A whole inventory document (schema virtplan.inventory/v1); it replaces the current inventory.",
        validators=[FileRequired("Choose the inventory file to upload.")],
    )


class ImportForm(Form):
    source = SelectField("Source", choices=options((s, SOURCE_NAMES[s]) for s in SOURCES))
    files = MultipleFileField("Export files", description="One or more files of the export.")
    mapping_file = FileField("Mapping file (YAML)", description="Decides zones, trust levels and FIPS 199 levels.")
    mapping = TextAreaField("…or paste the mapping", render_kw={"rows": 6, "spellcheck": "false"})
    prune = BooleanField(
        "Remove objects this source no longer lists",
        description="Objects you made in VirtPlan are never removed.",
    )


# --- the inventory's page: figures, upload, import --------------------------------------------


@bp.route("/plans/<int:plan_id>/inventory")
@login_required
def index(plan_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    upload = UploadForm(formdata=None, data={"version": plan_service.etag(plan)})
    return _index_page(plan, upload, ImportForm(formdata=None))


def _index_page(plan, upload: UploadForm, importing: ImportForm, problems=None, status: int = 200):
    db = database.session()
    counts = plan_service.plan_counts(db, plan)
    jobs, _total = import_service.list_imports(db, g.caller, plan.id, 0, 10)
    page = render_template(
        "inventory/index.html",
        plan=plan,
        inventory=plan_service.plan_inventory_header(db, plan),
        counts=counts,
        titles=service.TITLES,
        upload=upload,
        importing=importing,
        objects=problems or [],
        jobs=jobs,
        can_write=g.caller.can("write"),
    )
    return page, status


@bp.route("/plans/<int:plan_id>/inventory/upload", methods=["POST"])
@login_required
def upload(plan_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    require_write()
    form = UploadForm()
    if not form.validate():
        return _index_page(plan, form, ImportForm(formdata=None), status=422)
    file = form.document.data
    try:
        plan, changed = service.upload_inventory(
            db, g.caller, plan_id, file.filename or "inventory.json", file.read(), form.version.data or None
        )
    except service.InvalidUpload as exc:
        db.rollback()
        form.form_errors.append(f"{exc.message}; nothing was stored.")
        return _index_page(
            plan_service.get_plan(db, g.caller, plan_id), form, ImportForm(formdata=None), exc.objects, 422
        )
    except StaleWrite:
        db.rollback()
        plan = plan_service.get_plan(db, g.caller, plan_id)
        form.form_errors.append(STALE.format(version=plan.inventory_version) + " Choose the file again to upload it.")
        form.version.data = plan_service.etag(plan)
        return _index_page(plan, form, ImportForm(formdata=None), status=409)
    db.commit()
    flash(
        f"Inventory uploaded: now version {plan.inventory_version}."
        if changed
        else "The upload is the inventory as it stands: nothing changed."
    )
    return redirect(url_for("web.inventory.index", plan_id=plan_id))


# --- imports: a dry run, then apply what it showed -------------------------------------------


@bp.route("/plans/<int:plan_id>/inventory/imports", methods=["POST"])
@login_required
def start_import(plan_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    require_write()
    form = ImportForm()
    upload = UploadForm(formdata=None, data={"version": plan_service.etag(plan)})
    if not form.validate():
        return _index_page(plan, upload, form, status=422)
    files = [(f.filename or f"file-{i + 1}", f.read()) for i, f in enumerate(form.files.data or []) if f.filename]
    mapping_name, mapping_text = "mapping", form.mapping.data or ""
    if form.mapping_file.data and form.mapping_file.data.filename:
        mapping_name = form.mapping_file.data.filename
        try:
            mapping_text = form.mapping_file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.mapping_file.errors = ["The mapping file is not UTF-8 text."]
            return _index_page(plan, upload, form, status=422)
    if not mapping_text.strip():
        form.mapping.errors = ["Give the mapping: upload its file or paste it."]
        return _index_page(plan, upload, form, status=422)
    try:
        job = import_service.request_import(
            db, g.caller, plan_id, form.source.data, files, mapping_text,
            mapping_name=mapping_name, dry_run=True, prune=form.prune.data, bounds=_bounds(),
        )  # fmt: skip
    except Invalid as exc:
        db.rollback()
        form.adopt(exc.problems, {"files": "files", "mapping": "mapping", "source": "source"})
        return _index_page(plan, upload, form, status=422)
    _submit(job)
    return redirect(url_for("web.inventory.import_job", plan_id=plan_id, job_id=job.id))


def _submit(job) -> None:
    """Commit the recorded job and hand it to the queue (a queue that cannot take it:
    the job withdrawn, a 503 page saying so)."""
    hand_over(database.session(), current_app.extensions["virtplan.jobs"], "import", job)


def _bounds():
    return current_app.extensions["virtplan.runner"].bounds("import")


@bp.route("/plans/<int:plan_id>/inventory/imports/<int:job_id>")
@login_required
def import_job(plan_id: int, job_id: int):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    job = import_service.get_import(db, g.caller, plan_id, job_id)
    return render_template(
        "inventory/import.html",
        plan=plan,
        job=job,
        result=job.result if job.state == "succeeded" else None,
        titles=service.TITLES,
        can_write=g.caller.can("write"),
        source_names=SOURCE_NAMES,
    )


@bp.route("/plans/<int:plan_id>/inventory/imports/<int:job_id>/apply", methods=["POST"])
@login_required
def apply_import(plan_id: int, job_id: int):
    db = database.session()
    import_service.get_import(db, g.caller, plan_id, job_id)
    require_write()
    try:
        job = import_service.request_apply(db, g.caller, plan_id, job_id, _bounds())
    except Conflict as exc:
        flash(exc.message)
        return redirect(url_for("web.inventory.import_job", plan_id=plan_id, job_id=job_id))
    _submit(job)
    return redirect(url_for("web.inventory.import_job", plan_id=plan_id, job_id=job.id))


# --- versions -------------------------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/inventory/versions")
@login_required
def versions(plan_id: int):
    db = database.session()
    plan, kept = service.inventory_versions(db, g.caller, plan_id)
    numbers = [v.version for v in kept]
    older, newer = _int_arg("from"), _int_arg("to")
    diff = None
    if older is not None and newer is not None:
        diff = service.compare_versions(db, g.caller, plan_id, older, newer)
    elif len(numbers) >= 2:
        newer, older = numbers[0], numbers[1]
    elif numbers:
        newer, older = numbers[0], 0
    return render_template(
        "inventory/versions.html",
        plan=plan,
        kept=kept,
        numbers=numbers,
        previous={n: (numbers[i + 1] if i + 1 < len(numbers) else 0) for i, n in enumerate(numbers)},
        older=older,
        newer=newer,
        diff=diff,
        titles=service.TITLES,
        singular=service.SINGULAR,
    )


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


# --- the tables and one object ---------------------------------------------------------------


@bp.route("/plans/<int:plan_id>/inventory/<collection>")
@login_required
def table(plan_id: int, collection: str):
    db = database.session()
    columns = service.collection_or_404(collection)
    sort = request.args.get("sort", "")
    filters = {c.key: request.args.get(c.key, "") for c in columns if c.choice}
    page = service.browse(
        db,
        g.caller,
        plan_id,
        collection,
        search=request.args.get("q", ""),
        filters=filters,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        page=_int_arg("page") or 1,
        page_size=_int_arg("size") or 50,
    )
    return render_template(
        "inventory/table.html",
        plan=page.plan,
        page=page,
        collection=collection,
        titles=service.TITLES,
        search=request.args.get("q", ""),
        filters=filters,
        sort=sort,
        page_sizes=service.PAGE_SIZES,
        args={k: v for k, v in request.args.items() if k != "page"},
    )


def _edit_form(view: service.ObjectView, collection: str) -> type[Form] | None:
    """The edit form of an object of ``collection`` (None: not editable here), choices from the plan."""
    if collection not in service.EDITABLE:
        return None

    def ref(label: str, target: str, none: str) -> SelectField:
        names = view.names[target]
        return SelectField(
            label, choices=options([("", none)] + [(i, f"{n} ({i})" if n != i else i) for i, n in names])
        )

    fields: dict[str, Any] = {"version": HiddenField()}
    if collection == "vms":
        fields["zone"] = ref("Zone", "zones", "No zone (a data-quality finding)")
        fields["host"] = ref("Host (placement)", "hosts", "Not placed (the placement advisor places it)")
        fields["pinned"] = BooleanField("Pinned: the placement advisor must not move this VM")
        fields["confidentiality"] = SelectField(
            "Confidentiality", choices=options([*LEVELS, ("n/a", "Not applicable")])
        )
        fields["integrity"] = SelectField("Integrity", choices=options(LEVELS))
        fields["availability"] = SelectField("Availability", choices=options(LEVELS))
    elif collection == "hosts":
        fields["cluster"] = ref("Cluster", "clusters", "No cluster")
        fields["dedicated_zone"] = ref("Dedicated to zone", "zones", "Not dedicated (any zone's VMs)")
    elif collection == "networks":
        fields["zone"] = ref("Zone", "zones", "No zone")
    return type(f"Edit_{collection}", (Form,), fields)


def _current_values(collection: str, obj: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, path in service.EDITABLE[collection].items():
        value: Any = obj
        for p in path:
            value = value.get(p) if isinstance(value, dict) else None
        out[key] = value if isinstance(value, bool) else (value or "")
    return out


@bp.route("/plans/<int:plan_id>/inventory/<collection>/<path:ext_id>", methods=["GET", "POST"])
@login_required
def item(plan_id: int, collection: str, ext_id: str):
    db = database.session()
    plan = plan_service.get_plan(db, g.caller, plan_id)
    view = service.object_view(db, g.caller, plan_id, collection, ext_id)
    obj = view.object
    form_class = _edit_form(view, collection)
    form = None
    status = 200
    if form_class is not None:
        if request.method == "POST":
            require_write()
            form = form_class()
            if form.validate():
                changes = {
                    k: (form[k].data if k == "pinned" else (form[k].data or None)) for k in service.EDITABLE[collection]
                }
                try:
                    plan, changed = service.edit_object(
                        db, g.caller, plan_id, collection, ext_id, changes, form.version.data or None
                    )
                except StaleWrite:
                    db.rollback()
                    plan = plan_service.get_plan(db, g.caller, plan_id)
                    view = service.object_view(db, g.caller, plan_id, collection, ext_id)
                    obj = view.object
                    form.form_errors.append(STALE.format(version=plan.inventory_version))
                    form.version.data = plan_service.etag(plan)
                    status = 409
                except Invalid as exc:
                    db.rollback()
                    form.adopt(exc.problems)
                else:
                    db.commit()
                    what = service.SINGULAR[collection]
                    flash(
                        f"{what} {ext_id} saved: inventory version {plan.inventory_version}."
                        if changed
                        else "Nothing changed."
                    )
                    return redirect(
                        url_for("web.inventory.item", plan_id=plan_id, collection=collection, ext_id=ext_id)
                    )
            if status == 200:
                status = 422
        elif g.caller.can("write"):
            form = form_class(
                formdata=None, data={"version": plan_service.etag(plan), **_current_values(collection, obj)}
            )
    return render_template(
        "inventory/item.html",
        plan=plan,
        collection=collection,
        obj=obj,
        form=form,
        naming=view.naming,
        titles=service.TITLES,
        singular=service.SINGULAR,
    ), status
