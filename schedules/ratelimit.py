"""Pacing: our own token buckets per endpoint and per platform, before the platform says no.

Lanes deliver in parallel threads, so every bucket and every pause is guarded by one lock:
two lanes never take the same token, and a platform's pause seen by one lane holds all.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PLATFORM_RATES_PER_MINUTE: dict[str, float] = {"facebook": 60.0, "zalo": 60.0}
"""Default pacing across all pages/OAs of one platform from this installation.

Neither platform publishes a fixed per-minute publishing limit (Facebook's Page limits are a
24-hour budget that depends on engaged users; Zalo's are per OA package); these are cautious
defaults that an operator overrides in directory.yaml (``pacing:``)."""


@dataclass
class TokenBucket:
    """``rate`` tokens per second, holding at most ``burst``; time is passed in, not read."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    stamp: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self, now: float) -> float:
        """Reserve one token: 0 if it is free now, else the seconds until the reserved one.

        Reserving (the balance may go negative) gives each waiting post its own turn, so
        posts held back together do not all wake at the same instant.
        """
        with self.lock:
            if self.stamp is not None:
                self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
            self.stamp = max(now, self.stamp or now)
            self.tokens -= 1.0
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Pacer:
    """Endpoint and platform buckets, platform pauses, and the turns reserved for held posts."""

    def __init__(self, platform_rates: Mapping[str, float] | None = None,
                 endpoint_rates: Mapping[str, float] | None = None) -> None:
        self.platform_rates = dict(PLATFORM_RATES_PER_MINUTE if platform_rates is None
                                   else platform_rates)
        self.endpoint_rates = dict(endpoint_rates or {})
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}
        self._paused: dict[str, datetime] = {}
        self._reserved: dict[int, datetime] = {}

    def pause(self, endpoint_id: str, until: datetime) -> None:
        """The platform asked us to wait (rate limit, slow-down hint)."""
        with self._lock:
            if until > self._paused.get(endpoint_id, until - timedelta(seconds=1)):
                self._paused[endpoint_id] = until

    def paused_until(self, endpoint_id: str, now: datetime) -> datetime | None:
        with self._lock:
            until = self._paused.get(endpoint_id)
        return until if until and until > now else None

    def turn(self, post_id: int, endpoint_id: str, kind: str, now: datetime,
             endpoint_rate: float | None = None) -> datetime | None:
        """When this post may go out, if not now (platform pause or token buckets)."""
        paused = self.paused_until(endpoint_id, now)
        if paused:
            return paused
        with self._lock:
            turn = self._reserved.pop(post_id, None)
        if turn is not None and turn <= now:
            return None  # its reserved turn has come
        buckets = []
        rate = self.endpoint_rates.get(endpoint_id, endpoint_rate)
        if rate:
            buckets.append(self._bucket(f"endpoint:{endpoint_id}", rate))
        if self.platform_rates.get(kind):
            buckets.append(self._bucket(f"platform:{kind}", self.platform_rates[kind]))
        moment = now.timestamp()
        wait = max((b.take(moment) for b in buckets), default=0.0)
        if wait <= 0:
            return None
        when = now + timedelta(seconds=wait)
        with self._lock:
            self._reserved[post_id] = when
        return when

    def paced(self, endpoint_id: str, kind: str, endpoint_rate: float | None = None) -> bool:
        """Whether any bucket or pause applies to this endpoint (then each post needs its turn,
        and a lane should not take the endpoint's next post on its own)."""
        with self._lock:
            if endpoint_id in self._paused:
                return True
        return bool(self.endpoint_rates.get(endpoint_id, endpoint_rate)
                    or self.platform_rates.get(kind))

    def _bucket(self, name: str, per_minute: float) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None:
                bucket = self._buckets[name] = TokenBucket(per_minute / 60.0,
                                                           max(1.0, min(per_minute, 10.0)))
            return bucket
