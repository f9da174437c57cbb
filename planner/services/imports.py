"""Importing a CMDB source into a plan: the use cases behind the CLI's
``virtplan import --plan``, the API's import jobs and the web page that
accepts these files.

The import itself is pure (:mod:`planner.importers`): files and a mapping in,
an inventory document and warnings out. Here it meets the plan: the plan's
current inventory is read with :func:`planner.services.plans.get_inventory`,
merged (:mod:`planner.importers.sync`), and written with
:func:`planner.services.plans.put_inventory` under an If-Match of the version
that was read — so a concurrent change is never overwritten, a re-import of
an unchanged source writes nothing (same inventory version), and a dry run
answers the same diff without writing.

For a web page (upload → dry-run diff → apply), call
:func:`request_import` with ``dry_run=True``, show the finished job's
``result["diff"]`` and warnings, then :func:`request_apply` on that job: it
applies exactly the previewed files and mapping, and fails if the plan's
inventory changed since the preview.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ImportJob, ImportJobFile, Plan
from models.base import utcnow
from planner.importers import DEFAULT_LIMITS, SOURCES, Imported, Limits, SourceError, import_source, load_mapping
from planner.importers.sync import Diff, merge

from . import jobs
from .accounts import Caller
from .errors import Conflict, Invalid, NotFound, StaleWrite
from .jobs import Bounds, Retention
from .plans import etag, get_inventory, get_plan, put_inventory

log = logging.getLogger(__name__)

MAX_FILES = 200
MAX_NAME = 300
INTERNAL = "the import failed because of an internal error (details are in the server log)"
#: Import jobs (each holding up to VIRTPLAN_MAX_CONTENT_LENGTH of files) one organization, and
#: everyone, may have queued or running (VIRTPLAN_IMPORT_JOBS_PER_ORG, VIRTPLAN_IMPORT_JOBS_TOTAL).
BOUNDS = Bounds(per_organization=10, total=100)
#: Finished imports a plan keeps with their files (VIRTPLAN_IMPORTS_KEPT, VIRTPLAN_IMPORT_MAX_AGE_DAYS).
RETENTION = Retention(kept=20, max_age_days=90)


@dataclass
class Outcome:
    """What an import into a plan did (or, dry, would do)."""

    imported: Imported
    diff: Diff
    base_version: int
    version: int
    changed: bool
    dry_run: bool

    def result(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "changed": self.changed,
            "base_version": self.base_version,
            "inventory_version": self.version,
            "imported": self.imported.counts(),
            "diff": self.diff.to_dict(),
            "unmatched": self.imported.unmatched,
            "warning_counts": self.imported.warnings.summary(),
            "warnings": self.imported.warnings.to_list(),
        }


def _source_problem(exc: SourceError) -> Invalid:
    return Invalid(
        "the import source or mapping is invalid", [{"path": p.where, "message": p.message} for p in exc.problems]
    )


def sync_into_plan(
    session: Session,
    caller: Caller,
    plan_id: int,
    imported: Imported,
    *,
    prune: bool = False,
    dry_run: bool = False,
    expected_version: int | None = None,
) -> Outcome:
    """Merge ``imported`` into plan ``plan_id``'s inventory; write it unless ``dry_run``.

    ``expected_version`` (from a preview) makes the write fail with
    :class:`StaleWrite` if the inventory has changed since. The caller commits."""
    plan, current = get_inventory(session, caller, plan_id)
    base = plan.inventory_version
    if expected_version is not None and base != expected_version:
        raise StaleWrite(
            f"the inventory changed since the preview (version {expected_version}, now {base}); preview again"
        )
    merged, diff = merge(current, imported.document, prune=prune)
    if dry_run or not diff.changes:
        return Outcome(imported, diff, base, base, False, dry_run)
    system = (imported.document.get("source") or {}).get("system") or "a CMDB source"
    plan, changed = put_inventory(session, caller, plan_id, merged, if_match=etag(plan), how=f"imported from {system}")
    return Outcome(imported, diff, base, plan.inventory_version, changed, dry_run)


def import_into_plan(
    session: Session,
    caller: Caller,
    plan_id: int,
    source: str,
    files: Sequence[tuple[str, bytes]],
    mapping_name: str,
    mapping_text: str | bytes,
    *,
    prune: bool = False,
    dry_run: bool = False,
    expected_version: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Outcome:
    """Import ``files`` of ``source`` into the plan in one go; Invalid (every problem located) on bad input."""
    get_plan(session, caller, plan_id)  # NotFound before any parsing
    try:
        mapping = load_mapping(mapping_name, mapping_text)
        imported = import_source(source, files, mapping, limits)
    except SourceError as exc:
        raise _source_problem(exc) from None
    return sync_into_plan(
        session, caller, plan_id, imported, prune=prune, dry_run=dry_run, expected_version=expected_version
    )


# --- jobs --------------------------------------------------------------------------------------


def _check_request(source: Any, files: Sequence[tuple[str, bytes]], mapping_name: str, mapping_text: str) -> None:
    problems = []
    if source not in SOURCES:
        problems.append({"path": "source", "message": f"expected one of {', '.join(SOURCES)}; got {source!r}"})
    if not files:
        problems.append({"path": "files", "message": "expected at least one source file"})
    if len(files) > MAX_FILES:
        problems.append({"path": "files", "message": f"at most {MAX_FILES} files"})
    for i, (name, _data) in enumerate(files):
        if not name or len(name) > MAX_NAME or any(not ch.isprintable() for ch in name):
            problems.append(
                {"path": f"files[{i}]", "message": f"expected a printable file name of 1 to {MAX_NAME} characters"}
            )
    if problems:
        raise Invalid("invalid import request", problems)
    try:
        load_mapping(mapping_name, mapping_text)  # a bad mapping is refused at once, not in the job
    except SourceError as exc:
        raise _source_problem(exc) from None


def request_import(
    session: Session,
    caller: Caller,
    plan_id: int,
    source: Any,
    files: Sequence[tuple[str, bytes]],
    mapping_text: str,
    *,
    mapping_name: str = "mapping.yaml",
    dry_run: bool = False,
    prune: bool = False,
    bounds: Bounds = BOUNDS,
) -> ImportJob:
    """Record an import job with its files; the caller commits, then submits it.

    Raises :class:`TooManyJobs` or :class:`Busy` (nothing recorded) beyond the
    organization's or the server's ``bounds`` (:func:`planner.services.jobs.admit`)."""
    plan = get_plan(session, caller, plan_id)
    _check_request(source, files, mapping_name, mapping_text)
    jobs.admit(session, caller.organization_id, ImportJob, "import", bounds.per_organization, bounds.total)
    job = ImportJob(
        plan_id=plan.id,
        source=source,
        state="queued",
        dry_run=dry_run,
        prune=prune,
        mapping_name=mapping_name[:MAX_NAME],
        mapping=mapping_text,
        requested_by=caller.label[:200] or None,
        requested_at=utcnow(),
    )
    session.add(job)
    session.flush()
    job.files_job_id = job.id
    for i, (name, data) in enumerate(files):
        session.add(ImportJobFile(job_id=job.id, position=i, name=name[:MAX_NAME], size=len(data), content=data))
    session.flush()
    return job


def request_apply(session: Session, caller: Caller, plan_id: int, job_id: int, bounds: Bounds = BOUNDS) -> ImportJob:
    """Record a job that applies what dry-run job ``job_id`` previewed (same files, mapping and options)."""
    preview = get_import(session, caller, plan_id, job_id)
    if not preview.dry_run or preview.state != "succeeded":
        kind = "dry run" if preview.dry_run else "applied import"
        raise Conflict(f"import {job_id} is not a finished dry run (an {kind}, {preview.state})")
    jobs.admit(session, caller.organization_id, ImportJob, "import", bounds.per_organization, bounds.total)
    job = ImportJob(
        plan_id=preview.plan_id,
        source=preview.source,
        state="queued",
        dry_run=False,
        prune=preview.prune,
        mapping_name=preview.mapping_name,
        mapping=preview.mapping,
        requested_by=caller.label[:200] or None,
        requested_at=utcnow(),
        files_job_id=preview.files_job_id,
        preview_of=preview.id,
        expected_version=preview.base_version,
    )
    session.add(job)
    session.flush()
    return job


def list_imports(
    session: Session, caller: Caller, plan_id: int, offset: int, limit: int
) -> tuple[list[ImportJob], int]:
    plan = get_plan(session, caller, plan_id)
    total = session.scalar(select(func.count()).select_from(ImportJob).where(ImportJob.plan_id == plan.id))
    rows = session.scalars(
        select(ImportJob).where(ImportJob.plan_id == plan.id).order_by(ImportJob.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total or 0


def get_import(session: Session, caller: Caller, plan_id: int, job_id: int) -> ImportJob:
    return jobs.get_job(session, caller.organization_id, ImportJob, plan_id, job_id, "import")


def execute(
    session_factory: Callable[[], Session],
    claim: jobs.Claim,
    limits: jobs.JobLimits,
    retention: Retention = RETENTION,
) -> None:
    """Run the claimed import to its end: store the result or why it failed, then
    apply the plan's ``retention``. The result, and the inventory it writes, are
    committed only while this attempt holds the job. Never raises."""
    job_id = claim.id
    with jobs.holding(session_factory, claim, limits):
        try:
            with session_factory() as session:
                if not jobs.renew(session, claim, limits):  # held from here to the commit
                    log.warning("import %s: taken over by another worker; nothing is written", job_id)
                    return
                job = session.get(ImportJob, job_id)
                plan = session.get(Plan, job.plan_id) if job is not None else None
                if job is None or plan is None:
                    return
                caller = Caller(
                    plan.organization_id, frozenset({"read", "write"}), None, job.requested_by or "import job"
                )
                files = [
                    (f.name, f.content)
                    for f in session.scalars(
                        select(ImportJobFile)
                        .where(ImportJobFile.job_id == job.files_job_id)
                        .order_by(ImportJobFile.position)
                    )
                ]
                outcome = import_into_plan(
                    session,
                    caller,
                    job.plan_id,
                    job.source,
                    files,
                    job.mapping_name,
                    job.mapping,
                    prune=job.prune,
                    dry_run=job.dry_run,
                    expected_version=job.expected_version,
                )
                job.state, job.error, job.problems, job.lease_until = "succeeded", None, None, None
                job.result = outcome.result()
                job.base_version, job.result_version = outcome.base_version, outcome.version
                job.changed, job.finished_at = outcome.changed, utcnow()
                session.flush()
                apply_retention(session, job.plan_id, retention, keep=job.id)
                session.commit()
        except (Invalid, StaleWrite, NotFound) as exc:
            jobs.fail(session_factory, claim, exc.message, problems=exc.problems or None)
        except Exception:
            log.exception("import %s failed", job_id)
            jobs.fail(session_factory, claim, INTERNAL, problems=None)


def apply_retention(session: Session, plan_id: int, retention: Retention, keep: int | None = None) -> int:
    """The plan's finished imports beyond ``retention`` deleted with their files —
    except a dry run whose files a queued or running apply still needs."""
    needed = select(ImportJob.files_job_id).where(ImportJob.plan_id == plan_id, ImportJob.state.in_(jobs.ACTIVE))
    return jobs.apply_retention(session, ImportJob, plan_id, retention, keep=keep, spare=ImportJob.id.in_(needed))
