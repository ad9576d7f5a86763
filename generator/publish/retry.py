"""Retrying transient failures with exponential backoff and jitter.

What counts as transient: HTTP 500/502/503/504 (and 429 / 403 rate-limit reasons, which Google
asks clients to back off from), connection resets and refusals, timeouts, and a token refresh that
failed at the transport level. Quota exhaustion and authentication failures are *not* transient:
they stop the run at once. The sleep and the random source are injectable so tests run instantly.
"""

from __future__ import annotations

import http.client
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


@dataclass
class RetryPolicy:
    max_retries: int = 8
    base_delay: float = 1.0  # seconds before the first retry (before jitter)
    max_delay: float = 64.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (0-based): doubling, capped, times 0.5-1.5."""
        doubling: int = 2 ** attempt  # int ** int is typed Any (a negative exponent gives a float)
        return min(self.max_delay, self.base_delay * doubling) * (0.5 + self.rand())


def error_status_and_reason(exc: BaseException) -> tuple[int, str, str]:
    """(HTTP status, first error reason, message) of a googleapiclient HttpError; (0, '', '') otherwise."""
    resp = getattr(exc, "resp", None)
    status = getattr(resp, "status", 0) if resp is not None else 0
    if not status:
        return 0, "", ""
    reason, message = "", ""
    content = getattr(exc, "content", b"") or b""
    try:
        import json

        data = json.loads(content.decode("utf-8") if isinstance(content, bytes) else content)
        err = data.get("error", {}) if isinstance(data, dict) else {}
        if isinstance(err, dict):
            message = str(err.get("message", ""))
            errors = err.get("errors") or []
            if errors and isinstance(errors[0], dict):
                reason = str(errors[0].get("reason", ""))
            if not reason:
                for detail in err.get("details") or []:
                    if isinstance(detail, dict) and detail.get("reason"):
                        reason = str(detail["reason"])
                        break
            reason = reason or str(err.get("status", ""))
        elif isinstance(err, str):  # OAuth style {"error": "invalid_grant"}
            reason = err
            message = str(data.get("error_description", ""))
    except (ValueError, AttributeError, UnicodeDecodeError):
        pass
    return int(status), reason, message


def is_transient(exc: BaseException) -> bool:
    status, reason, _ = error_status_and_reason(exc)
    if status:
        return status in RETRY_STATUSES or (status == 403 and reason in RATE_LIMIT_REASONS)
    if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout, http.client.HTTPException)):
        return True
    try:
        import httplib2

        if isinstance(exc, httplib2.ServerNotFoundError):  # DNS hiccup or network down
            return True
    except ImportError:
        pass
    try:
        from google.auth.exceptions import TransportError

        if isinstance(exc, TransportError):
            return True
    except ImportError:
        pass
    if isinstance(exc, OSError) and exc.errno is not None:
        import errno

        return exc.errno in {errno.ECONNRESET, errno.EPIPE, errno.ETIMEDOUT, errno.ECONNABORTED,
                             errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH}
    return False


def short_error(exc: BaseException) -> str:
    status, reason, message = error_status_and_reason(exc)
    if status:
        text = f"HTTP {status}"
        if reason:
            text += f" {reason}"
        if message:
            text += f": {message}"
        return text
    name = type(exc).__name__
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{name}: {detail}" if detail else name


def call_with_retries(action: Callable[[], T], policy: RetryPolicy, *,
                      notify: Callable[[str], None] | None = None, what: str = "request",
                      before_retry: Callable[[BaseException], T | None] | None = None) -> T:
    """Run ``action``; on a transient failure wait and try again, up to ``policy.max_retries`` times.

    ``before_retry`` runs before each new attempt and may return a result that makes the retry
    unnecessary (e.g. an insert whose answer was lost turns out to have succeeded). Any other error,
    and the last transient one, propagates unchanged for the caller to translate."""
    attempt = 0
    while True:
        try:
            return action()
        except Exception as exc:
            if not is_transient(exc) or attempt >= policy.max_retries:
                raise
            wait = policy.delay(attempt)
            attempt += 1
            if notify:
                notify(f"{what}: {short_error(exc)}; retry {attempt} of {policy.max_retries} in {wait:.1f} s")
            policy.sleep(wait)
            if before_retry is not None:
                found = before_retry(exc)
                if found is not None:
                    return found
