"""Failures a use case reports; the shells turn them into HTTP answers or exit codes."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, problems: list | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        #: Response headers the answer needs (Retry-After), whatever the shell.
        self.headers = headers or {}


class NotFound(ServiceError):
    """Absent, or belonging to another organization: the two are not told apart."""

    status = 404


class Invalid(ServiceError):
    """Input that breaks a contract; ``problems`` lists each with its path."""

    status = 422


class StaleWrite(ServiceError):
    """The caller's If-Match names a version that is no longer current."""

    status = 412


class Conflict(ServiceError):
    status = 409


class TooManyJobs(ServiceError):
    """The caller's organization has as many jobs queued or running as it may."""

    status = 429


class Busy(ServiceError):
    """The server cannot take more work now, from anyone."""

    status = 503


class Forbidden(ServiceError):
    """The caller's role may not do this (within their own organization)."""

    status = 403
