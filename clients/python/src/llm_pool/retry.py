"""Retries that honour the server: `Retry-After` first, then the `x-ratelimit-reset-*` header of
the exhausted dimension, then capped exponential backoff."""
from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Mapping, Optional

from .types import parse_duration


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Retried: 429 (rate limited), 503 (no provider could answer) and connection failures before
    the request was sent. Never retried: errors of the request's own making (4xx other than 429).
    A signed request is signed afresh for every attempt (a new nonce and timestamp).
    """

    max_retries: int = 2
    """Attempts after the first; 0 turns retries off."""
    backoff_seconds: float = 0.25
    """First backoff when the server gives no wait; doubled each attempt."""
    max_backoff_seconds: float = 8.0
    max_wait_seconds: float = 60.0
    """The longest server-requested wait honoured; a longer `Retry-After` raises at once."""
    retry_statuses: frozenset = frozenset({429, 503})

    def delay(self, attempt: int, status: Optional[int], headers: Mapping[str, str]) -> Optional[float]:
        """Seconds to wait before attempt `attempt + 1` (attempts count from 0), or `None` to give up.

        `status` is `None` for a connection failure."""
        if attempt >= self.max_retries:
            return None
        if status is not None and status not in self.retry_statuses:
            return None
        requested = server_wait(headers)
        if requested is not None:
            return requested if requested <= self.max_wait_seconds else None
        return min(self.max_backoff_seconds, self.backoff_seconds * (2**attempt))


def server_wait(headers: Mapping[str, str], now: Optional[float] = None) -> Optional[float]:
    """The wait the server asked for: `Retry-After` (seconds or an HTTP date), else the reset of a
    dimension whose `x-ratelimit-remaining-*` is 0."""
    lowered = {k.lower(): v for k, v in headers.items()}
    retry_after = lowered.get("retry-after")
    if retry_after:
        text = retry_after.strip()
        if text.replace(".", "", 1).isdigit():
            return float(text)
        try:
            when = email.utils.parsedate_to_datetime(text).timestamp()
            return max(0.0, when - (time.time() if now is None else now))
        except (TypeError, ValueError):
            pass
    for dimension in ("requests", "tokens"):
        if lowered.get(f"x-ratelimit-remaining-{dimension}") == "0":
            reset = parse_duration(lowered.get(f"x-ratelimit-reset-{dimension}", ""))
            if reset is not None:
                return reset
    return None
