"""Configuration from the environment.

- ``VIRTPLAN_ENV``: production (default), development or testing.
- ``VIRTPLAN_DATABASE_URL``: SQLAlchemy URL; default a SQLite file in the instance folder.
- ``VIRTPLAN_SECRET_KEY``: signs sessions; required outside development and testing.
- ``VIRTPLAN_INSTANCE_PATH``: the instance folder (default ``./instance``).
- ``VIRTPLAN_MAX_CONTENT_LENGTH``: largest request body in bytes (default 64 MiB).
- ``VIRTPLAN_BROKER_URL``: ``redis://host:port/db`` — background jobs go to Celery workers
  (``virtplan worker``) through this Redis; see docs/scaling.md.
- ``VIRTPLAN_JOB_QUEUE``: ``celery`` (the default when a broker is set), ``thread`` (the default
  otherwise: a small pool in the web process) or ``inline`` (jobs run inside the request;
  deterministic, for tests and scripts).
- ``VIRTPLAN_JOB_WORKERS``: threads of the thread queue, 1 to 4 (default 2).
- ``VIRTPLAN_JOB_LEASE_SECONDS``: a running job's worker renews its lease every third of this; a
  job whose lease runs out lost its worker and is queued again (default 90).
- ``VIRTPLAN_JOB_ATTEMPTS``: times a job is started before it is failed for good (default 3).
- ``VIRTPLAN_JOB_TIME_LIMIT``: seconds one attempt of a job may run on a Celery worker (default 3600).
- ``VIRTPLAN_WORKER_MAX_MEMORY_MB``: a Celery pool process that has grown past this is replaced
  after its job (default 0: never).
- ``VIRTPLAN_REPORT_TIMEOUT``: seconds one report may take to render (default 300).
- ``VIRTPLAN_REPORT_MEMORY_MB``: address-space limit of the rendering process in MiB (default 2048).
- ``VIRTPLAN_SESSION_IDLE_MINUTES``: a signed-in browser left idle this long must sign in again (default 30).
- ``VIRTPLAN_SESSION_LIFETIME_HOURS``: a sign-in lasts at most this long, however active (default 12).
- ``VIRTPLAN_SIGNIN_LIMIT_PER_USER`` / ``VIRTPLAN_SIGNIN_LIMIT_PER_ADDRESS``: failed password
  attempts allowed per username and per client address, as limits strings
  (default ``5 per minute; 30 per hour`` and ``30 per minute; 300 per hour``).
- ``VIRTPLAN_RATELIMIT_STORAGE_URL``: where those attempts are counted: ``memory://`` (one
  process) or ``redis://host:port`` when several processes serve VirtPlan; default the broker's
  Redis when one is set, else ``memory://``.
- ``VIRTPLAN_TRUSTED_PROXIES``: how many reverse proxies in front of VirtPlan may be believed about
  the client's address and scheme (``X-Forwarded-For``, ``X-Forwarded-Proto``); 0 (default) believes none.
- ``VIRTPLAN_REPORT_JOBS_PER_ORG``: report jobs one organization may have queued or running at once
  (default 20); one more is refused with 429 and nothing is stored.
- ``VIRTPLAN_REPORT_JOBS_TOTAL``: report jobs the server's queue holds for everyone (default 100);
  one more is refused with 503.
- ``VIRTPLAN_REPORTS_KEPT``: finished reports kept per plan, newest first (default 50).
- ``VIRTPLAN_REPORT_MAX_AGE_DAYS``: days a finished report is kept (default 365). Both are
  enforced each time a plan's new report is stored.
- ``VIRTPLAN_IMPORT_JOBS_PER_ORG`` / ``VIRTPLAN_IMPORT_JOBS_TOTAL``: the same bounds for import
  jobs, which hold their files (default 10 and 100).
- ``VIRTPLAN_IMPORTS_KEPT`` / ``VIRTPLAN_IMPORT_MAX_AGE_DAYS``: finished imports kept per plan with
  their files (default 20 and 90 days; a dry run whose apply is waiting is kept).
- ``VIRTPLAN_ANALYSIS_SYNC_VMS``: plans with more VMs than this are analysed by a background
  job (POST /analysis answers 202 with the job to poll); smaller ones in the request (default 5000).
- ``VIRTPLAN_METRICS_TOKEN``: the bearer token Prometheus sends to read ``/metrics``; without
  it ``/metrics`` is not served.
- ``VIRTPLAN_PLACEMENT_SYNC_VMS``: placement proposals of plans with at most this many VMs are
  made in the request (201); larger ones are background jobs to poll (202). Default 500.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from limits import parse_many

ENVIRONMENTS = ("production", "development", "testing")
DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024
JOB_QUEUES = ("thread", "inline", "celery")
BROKER_SCHEMES = ("redis://", "rediss://", "redis+socket://")
DEFAULT_SIGNIN_LIMIT_PER_USER = "5 per minute; 30 per hour"
DEFAULT_SIGNIN_LIMIT_PER_ADDRESS = "30 per minute; 300 per hour"


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    instance_path: Path
    max_content_length: int
    job_queue: str = "thread"
    job_workers: int = 2
    report_timeout: float = 300.0
    report_memory_mb: int = 2048
    session_idle_minutes: int = 30
    session_lifetime_hours: int = 12
    signin_limit_per_user: str = DEFAULT_SIGNIN_LIMIT_PER_USER
    signin_limit_per_address: str = DEFAULT_SIGNIN_LIMIT_PER_ADDRESS
    ratelimit_storage_url: str = "memory://"
    trusted_proxies: int = 0
    report_jobs_per_org: int = 20
    report_jobs_total: int = 100
    reports_kept: int = 50
    report_max_age_days: int = 365
    broker_url: str | None = None
    job_lease_seconds: float = 90.0
    job_attempts: int = 3
    job_time_limit: float = 3600.0
    worker_max_memory_mb: int = 0
    import_jobs_per_org: int = 10
    import_jobs_total: int = 100
    imports_kept: int = 20
    import_max_age_days: int = 90
    metrics_token: str | None = None
    analysis_sync_vms: int = 5000
    placement_sync_vms: int = 500

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        env = overrides.pop("env", None) or environ.get("VIRTPLAN_ENV", "production")
        if env not in ENVIRONMENTS:
            raise ConfigurationError(f"VIRTPLAN_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        instance = Path(overrides.pop("instance_path", None) or environ.get("VIRTPLAN_INSTANCE_PATH", "instance"))
        instance = instance.resolve()
        url = (
            overrides.pop("database_url", None)
            or environ.get("VIRTPLAN_DATABASE_URL")
            or f"sqlite:///{instance / 'virtplan.sqlite3'}"
        )
        secret = overrides.pop("secret_key", None) or environ.get("VIRTPLAN_SECRET_KEY")
        if not secret:
            if env == "production":
                raise ConfigurationError(
                    "VIRTPLAN_SECRET_KEY must be set in production (or set VIRTPLAN_ENV=development)"
                )
            secret = secrets.token_hex(32)
        raw_limit = overrides.pop("max_content_length", None) or environ.get("VIRTPLAN_MAX_CONTENT_LENGTH")
        try:
            limit = int(raw_limit) if raw_limit else DEFAULT_MAX_CONTENT_LENGTH
        except ValueError:
            message = f"VIRTPLAN_MAX_CONTENT_LENGTH must be a number of bytes, not {raw_limit!r}"
            raise ConfigurationError(message) from None
        broker = overrides.pop("broker_url", None) or environ.get("VIRTPLAN_BROKER_URL") or None
        if broker is not None and not broker.startswith(BROKER_SCHEMES):
            raise ConfigurationError(f"VIRTPLAN_BROKER_URL must be a Redis URL (redis://host:port/db), not {broker!r}")
        queue = (
            overrides.pop("job_queue", None) or environ.get("VIRTPLAN_JOB_QUEUE") or ("celery" if broker else "thread")
        )
        if queue not in JOB_QUEUES:
            raise ConfigurationError(f"VIRTPLAN_JOB_QUEUE must be one of {', '.join(JOB_QUEUES)}, not {queue!r}")
        if queue == "celery" and not broker:
            raise ConfigurationError("VIRTPLAN_JOB_QUEUE=celery needs VIRTPLAN_BROKER_URL (redis://host:port/db)")
        workers = _number(overrides, environ, "job_workers", int, 2, 1, 4)
        timeout = _number(overrides, environ, "report_timeout", float, 300.0, 0.1, 86400)
        memory = _number(overrides, environ, "report_memory_mb", int, 2048, 16, 1 << 20)
        idle = _number(overrides, environ, "session_idle_minutes", int, 30, 1, 24 * 60)
        lifetime = _number(overrides, environ, "session_lifetime_hours", int, 12, 1, 30 * 24)
        per_user = _limits(overrides, environ, "signin_limit_per_user", DEFAULT_SIGNIN_LIMIT_PER_USER)
        per_address = _limits(overrides, environ, "signin_limit_per_address", DEFAULT_SIGNIN_LIMIT_PER_ADDRESS)
        storage = overrides.pop("ratelimit_storage_url", None) or environ.get("VIRTPLAN_RATELIMIT_STORAGE_URL")
        proxies = _number(overrides, environ, "trusted_proxies", int, 0, 0, 10)
        per_org = _number(overrides, environ, "report_jobs_per_org", int, 20, 1, 10_000)
        total = _number(overrides, environ, "report_jobs_total", int, 100, 1, 100_000)
        kept = _number(overrides, environ, "reports_kept", int, 50, 1, 100_000)
        max_age = _number(overrides, environ, "report_max_age_days", int, 365, 1, 36_500)
        lease = _number(overrides, environ, "job_lease_seconds", float, 90.0, 1, 3600)
        attempts = _number(overrides, environ, "job_attempts", int, 3, 1, 100)
        time_limit = _number(overrides, environ, "job_time_limit", float, 3600.0, 1, 7 * 86400)
        worker_memory = _number(overrides, environ, "worker_max_memory_mb", int, 0, 0, 1 << 20)
        import_per_org = _number(overrides, environ, "import_jobs_per_org", int, 10, 1, 10_000)
        import_total = _number(overrides, environ, "import_jobs_total", int, 100, 1, 100_000)
        imports_kept = _number(overrides, environ, "imports_kept", int, 20, 1, 100_000)
        import_max_age = _number(overrides, environ, "import_max_age_days", int, 90, 1, 36_500)
        metrics_token = overrides.pop("metrics_token", None) or environ.get("VIRTPLAN_METRICS_TOKEN") or None
        analysis_sync_vms = _number(overrides, environ, "analysis_sync_vms", int, 5000, 0, 10_000_000)
        sync_vms = _number(overrides, environ, "placement_sync_vms", int, 500, 0, 10_000_000)
        if overrides:
            raise ConfigurationError(f"unknown settings: {', '.join(sorted(overrides))}")
        return cls(
            env,
            url,
            secret,
            instance,
            limit,
            queue,
            workers,
            timeout,
            memory,
            idle,
            lifetime,
            per_user,
            per_address,
            storage or broker or "memory://",
            proxies,
            report_jobs_per_org=per_org,
            report_jobs_total=total,
            reports_kept=kept,
            report_max_age_days=max_age,
            broker_url=broker,
            job_lease_seconds=lease,
            job_attempts=attempts,
            job_time_limit=time_limit,
            worker_max_memory_mb=worker_memory,
            import_jobs_per_org=import_per_org,
            import_jobs_total=import_total,
            imports_kept=imports_kept,
            import_max_age_days=import_max_age,
            metrics_token=metrics_token,
            analysis_sync_vms=analysis_sync_vms,
            placement_sync_vms=sync_vms,
        )


def _number(overrides: dict[str, Any], environ: Mapping[str, str], key: str, kind: type, default, low, high):
    """``key`` from the overrides, else ``VIRTPLAN_<KEY>``, else ``default``; checked against [low, high]."""
    name = f"VIRTPLAN_{key.upper()}"
    raw = overrides.pop(key, None)
    raw = raw if raw is not None else environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be between {low:g} and {high:g}, not {raw!r}")
    return value


def _limits(overrides: dict[str, Any], environ: Mapping[str, str], key: str, default: str) -> str:
    """A rate limits string such as ``5 per minute; 30 per hour``, checked now rather than at the first sign-in."""
    name = f"VIRTPLAN_{key.upper()}"
    raw = overrides.pop(key, None) or environ.get(name) or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must read like '5 per minute; 30 per hour', not {raw!r}") from None
    return raw
