"""What each phase of a run really did, for status.json: completed, failed, skipped, not_run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from resources.clock import now_utc
from resources.settings import Settings

T = TypeVar("T")
PHASE_STATES = ("completed", "failed", "skipped", "not_run")


@dataclass
class PhaseLog:
    """The phases of one run in order, each with its state, the time it ended and a message."""

    settings: Settings
    names: tuple[str, ...]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, name: str, action: Callable[[], T], message: str = "") -> T:
        """Run one phase; record completed (or failed with the error, then re-raise)."""
        try:
            result = action()
        except BaseException as exc:
            self._record(name, "failed", f"{type(exc).__name__}: {exc}"[:500])
            raise
        self._record(name, "completed", message or None)
        return result

    def skip(self, name: str, reason: str) -> None:
        """Record a phase this run deliberately does not do, with the reason."""
        self._record(name, "skipped", reason)

    def _record(self, name: str, status: str, message: str | None) -> None:
        entry = self.entries.get(name)
        if entry is not None and entry["status"] == "failed":
            return  # a phase made of several steps stays failed once one failed
        self.entries[name] = {
            "name": name,
            "status": status,
            "updated_at": now_utc(self.settings).isoformat(),
            "message": message,
        }

    def phases(self) -> list[dict[str, Any]]:
        """Every phase in order; those never reached are `not_run`."""
        return [
            self.entries.get(
                name, {"name": name, "status": "not_run", "updated_at": None, "message": None}
            )
            for name in self.names
        ]
