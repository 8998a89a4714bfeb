"""Token buckets: our own pacing per endpoint and per platform, before the platform says no."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """``rate`` tokens per second, holding at most ``burst``; time is passed in, not read."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    stamp: float | None = None

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self, now: float) -> float:
        """Reserve one token: 0 if it is free now, else the seconds until the reserved one.

        Reserving (the balance may go negative) gives each waiting post its own turn, so
        posts held back together do not all wake at the same instant.
        """
        if self.stamp is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


PLATFORM_RATES_PER_MINUTE: dict[str, float] = {"facebook": 60.0, "zalo": 60.0}
"""Default pacing across all pages/OAs of one platform from this installation."""
