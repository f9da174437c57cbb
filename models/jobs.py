"""What every background job row has: its state, who asked and when, and the
lease of the worker running it.

A job is ``queued`` until a worker claims it (``running``, ``attempts`` + 1,
``lease_until`` a little ahead, renewed while it works); it ends ``succeeded``
or ``failed`` with an ``error`` a user can act on. A running job whose lease
ran out lost its worker (killed, out of memory, its machine gone): it is
queued again, up to the attempt limit (see :mod:`planner.services.jobs`).
``attempts`` also fences a late worker off: only the attempt that holds the
lease may store a result.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, utcnow

JOB_STATES = ("queued", "running", "succeeded", "failed")
#: SQL for a table's CheckConstraint on ``state``.
JOB_STATE_CHECK = "state IN ('queued', 'running', 'succeeded', 'failed')"


class BackgroundJob:
    """Columns of a job's life cycle, mixed into each job table."""

    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: How many times a worker has claimed the job (the current attempt while it runs).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Until when the running attempt's worker is known to be alive (it renews this while it works).
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The worker running (or that last ran) the job: host and process id, for operators.
    worker: Mapped[str | None] = mapped_column(String(200))
