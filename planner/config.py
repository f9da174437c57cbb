"""Configuration from the environment.

- ``VIRTPLAN_ENV``: production (default), development or testing.
- ``VIRTPLAN_DATABASE_URL``: SQLAlchemy URL; default a SQLite file in the instance folder.
- ``VIRTPLAN_SECRET_KEY``: signs sessions; required outside development and testing.
- ``VIRTPLAN_INSTANCE_PATH``: the instance folder (default ``./instance``).
- ``VIRTPLAN_MAX_CONTENT_LENGTH``: largest request body in bytes (default 64 MiB).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENTS = ("production", "development", "testing")
DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    instance_path: Path
    max_content_length: int

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        env = overrides.pop("env", None) or environ.get("VIRTPLAN_ENV", "production")
        if env not in ENVIRONMENTS:
            raise ConfigurationError(f"VIRTPLAN_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
        instance = Path(overrides.pop("instance_path", None) or environ.get("VIRTPLAN_INSTANCE_PATH", "instance"))
        instance = instance.resolve()
        url = overrides.pop("database_url", None) or environ.get("VIRTPLAN_DATABASE_URL") \
            or f"sqlite:///{instance / 'virtplan.sqlite3'}"
        secret = overrides.pop("secret_key", None) or environ.get("VIRTPLAN_SECRET_KEY")
        if not secret:
            if env == "production":
                raise ConfigurationError("VIRTPLAN_SECRET_KEY must be set in production "
                                         "(or set VIRTPLAN_ENV=development)")
            secret = secrets.token_hex(32)
        raw_limit = overrides.pop("max_content_length", None) or environ.get("VIRTPLAN_MAX_CONTENT_LENGTH")
        try:
            limit = int(raw_limit) if raw_limit else DEFAULT_MAX_CONTENT_LENGTH
        except ValueError:
            raise ConfigurationError(f"VIRTPLAN_MAX_CONTENT_LENGTH must be a number of bytes, not {raw_limit!r}")
        if overrides:
            raise ConfigurationError(f"unknown settings: {', '.join(sorted(overrides))}")
        return cls(env, url, secret, instance, limit)
