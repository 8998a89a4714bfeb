"""What a typed adapter error means for a post: retry when, or stop."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for transient faults, bounded by attempts."""

    max_attempts: int = 5
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    jitter: float = 0.25

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        spread = raw * self.jitter
        return max(1.0, float(raw + (rng or random).uniform(-spread, spread)))
