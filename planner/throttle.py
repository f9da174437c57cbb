"""Password guessing, slowed down: failed attempts are counted per username
and per client address (moving windows, the ``limits`` library), and once
either count is spent further attempts are refused, without checking the
password, until the window moves on.

Only failures count, so a user who types the right password is never held up
by their own sign-ins. The counts live in ``VIRTPLAN_RATELIMIT_STORAGE_URL``:
``memory://`` is right for the single process ``virtplan serve`` runs; several
processes must share ``redis://host:port`` (install the ``redis`` package),
or each would allow the full count.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from planner.config import ConfigurationError, Settings


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the username typed (or the signed-in user's) and the client address."""

    username: str
    address: str

    def counters(self) -> tuple[tuple[str, str], ...]:
        return (("user", self.username.strip().casefold()[:150]), ("address", _network(self.address)))


def _network(address: str) -> str:
    """The address an attempt is counted against: IPv4 as it is, IPv6 by its /64
    (one host commonly holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class PasswordThrottle:
    def __init__(self, storage_url: str, per_user: str, per_address: str):
        try:
            storage = storage_from_string(storage_url)
        except LimitsConfigurationError as exc:
            raise ConfigurationError(f"VIRTPLAN_RATELIMIT_STORAGE_URL {storage_url!r}: {exc}") from None
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits: dict[str, list[RateLimitItem]] = {
            "user": parse_many(per_user),
            "address": parse_many(per_address),
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordThrottle:
        return cls(settings.ratelimit_storage_url, settings.signin_limit_per_user, settings.signin_limit_per_address)

    def retry_after(self, attempt: Attempt) -> int | None:
        """Whole seconds until ``attempt`` may be made, or None if it may be made now."""
        waits = [
            stats.reset_time - time.time()
            for kind, key in attempt.counters()
            for item in self._limits[kind]
            if not self._limiter.test(item, kind, key)
            for stats in [self._limiter.get_window_stats(item, kind, key)]
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, attempt: Attempt) -> None:
        """Count a wrong password against the username and the address."""
        for kind, key in attempt.counters():
            for item in self._limits[kind]:
                self._limiter.hit(item, kind, key)
