"""Which failures are worth retrying: transient ones retry with backoff, permanent ones fail at once.

Transient: HTTP 429/5xx and timeouts (TransientSourceError, httpx transport errors), a warehouse
file locked by another process, Google API 429/5xx, an MLflow tracking server briefly unreachable.
Permanent (everything else): a contract failure, a missing champion, a 404 for an unplayed game,
bad input. Every phase task uses `TASK_RETRY_OPTIONS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prefect.tasks import exponential_backoff

from resources.sources.base import TransientSourceError

# 3 retries after about 2, 4 and 8 s (x jitter up to 1.5): a few seconds of a locked file or a
# server restart pass; a longer outage fails the task with the last error.
TASK_RETRIES = 3
TASK_BACKOFF_SECONDS = 2.0
TASK_RETRY_JITTER = 0.5

_TRANSIENT_TEXT = (
    "could not set lock",  # DuckDB: another process holds the warehouse file
    "database is locked",  # SQLite (local MLflow) under concurrent writers
    "connection refused",
    "connection reset",
    "max retries exceeded",  # requests/urllib3 (MLflow client) could not reach the server
    "temporarily unavailable",
    "timed out",
)
_TRANSIENT_NAMES = frozenset(
    {
        "TransportError",  # httpx: connect/read errors and timeouts (subclasses included below)
        "TimeoutException",
        "ConnectError",
        "ReadTimeout",
        "ConnectTimeout",
        "ServiceUnavailable",  # google.api_core
        "TooManyRequests",
        "InternalServerError",
        "BadGateway",
        "GatewayTimeout",
        "DeadlineExceeded",
        "ConnectionError",  # requests / builtins
        "ConnectionResetError",
        "ConnectionRefusedError",
    }
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes / contexts (a wrapped lock error is still a lock error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_transient(exc: BaseException) -> bool:
    """True when waiting and trying again may succeed."""
    for error in _chain(exc):
        if isinstance(error, TransientSourceError):
            return True
        names = {cls.__name__ for cls in type(error).__mro__}
        if names & _TRANSIENT_NAMES:
            return True
        if isinstance(error, OSError | RuntimeError) or "Error" in type(error).__name__:
            text = str(error).lower()
            if any(marker in text for marker in _TRANSIENT_TEXT) and not _is_permanent(error):
                return True
    return False


def _is_permanent(error: BaseException) -> bool:
    """Errors that mention a transient-sounding word but are ours to fix (never retried)."""
    return type(error).__name__ in {"ContractViolation", "ModelNotFound", "ModelSignatureMismatch"}


def retry_on_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry only when the task's exception is transient."""
    try:
        state.result()
    except BaseException as exc:  # the task's own exception, re-raised by result()
        return is_transient(exc)
    return False


TASK_RETRY_OPTIONS: dict[str, Any] = {
    "retries": TASK_RETRIES,
    "retry_delay_seconds": exponential_backoff(backoff_factor=TASK_BACKOFF_SECONDS),
    "retry_jitter_factor": TASK_RETRY_JITTER,
    "retry_condition_fn": retry_on_transient,
}
