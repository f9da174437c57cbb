"""Failures a use case reports; the shells turn them into HTTP answers or exit codes."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


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
