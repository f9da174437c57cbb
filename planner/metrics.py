"""Prometheus metrics (prometheus_client): request latency, job durations and
the job queue's depth.

- ``virtplan_http_request_duration_seconds{method, route, status}``: every
  request the app answers, by its URL rule (``/api/v1/plans/<int:plan_id>/findings``,
  not the URL, so the label set stays small).
- ``virtplan_job_duration_seconds{kind, state}``: each job a worker ran, by how it ended.
- ``virtplan_jobs{kind, state}``: jobs queued and running now, from the database
  (so every web process answers the same), and
  ``virtplan_job_wakeups_waiting``: wake-ups the queue holds for its workers.

Several processes (gunicorn workers, Celery's pool) share their counts through
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode), which
``virtplan serve --workers`` and ``virtplan worker`` set up; :func:`exposition`
then reads them all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "virtplan_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, URL rule and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_SECONDS = Histogram(
    "virtplan_job_duration_seconds",
    "Time a worker took to run a background job, by kind and how it ended",
    ["kind", "state"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)


class QueueDepth(Collector):
    """Jobs queued and running by kind (``counts``: the database's answer) and the
    queue's waiting wake-ups (``waiting``), read at each scrape."""

    def __init__(self, counts: Callable[[], dict[str, dict[str, int]]], waiting: Callable[[], int]):
        self._counts = counts
        self._waiting = waiting

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("virtplan_jobs", "Background jobs queued or running now", labels=["kind", "state"])
        try:
            for kind, states in self._counts().items():
                for state, n in states.items():
                    jobs.add_metric([kind, state], n)
        except Exception as exc:  # a scrape still answers; readiness reports the database
            log.warning("metrics: cannot count jobs: %s", exc.__class__.__name__)
        yield jobs
        waiting = GaugeMetricFamily(
            "virtplan_job_wakeups_waiting", "Wake-ups the job queue holds for its workers (the broker's queue length)"
        )
        try:
            waiting.add_metric([], self._waiting())
        except Exception as exc:
            log.warning("metrics: cannot read the job queue: %s", exc.__class__.__name__)
        yield waiting


class _ThisProcess(Collector):
    """The default registry's metrics (this process's), inside another registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition(*collectors: Collector) -> bytes:
    """The text format Prometheus scrapes: every process's metrics (multiprocess
    mode) or this process's, and ``collectors``."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_DIR):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


def process_exited(pid: int) -> None:
    """Let go of a dead process's live gauges (multiprocess mode; its counters stay summed)."""
    if os.environ.get(MULTIPROC_DIR):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
