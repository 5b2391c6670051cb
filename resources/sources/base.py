"""What every source returns: raw payloads, kept verbatim before anything parses them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

# The kinds of payload a source can be asked for, one per raw table (plus the live feeds).
KINDS: tuple[str, ...] = (
    "schedule",
    "player_boxscores",
    "team_boxscores",
    "prop_lines",
    "game_odds",
    "live_scoreboard",
    "live_boxscore",
    "injury_report",
)
# Kinds grouped by when they are final: results after the games, lines and schedule before them.
RESULT_KINDS: tuple[str, ...] = ("player_boxscores", "team_boxscores")
LINE_KINDS: tuple[str, ...] = ("prop_lines", "game_odds")
DAY_KINDS: tuple[str, ...] = ("schedule", *LINE_KINDS)
# Who is expected to play: published before the games, several times a day (not yet in DAY_KINDS).
AVAILABILITY_KINDS: tuple[str, ...] = ("injury_report",)


class SourceError(RuntimeError):
    """A source failed in a way a retry will not fix (bad payload, 4xx, unknown shape)."""

    def __init__(self, source: str, message: str, *, url: str | None = None) -> None:
        where = f" ({url})" if url else ""
        super().__init__(f"[{source}] {message}{where}")
        self.source = source
        self.url = url


class BadBodyError(SourceError):
    """A response arrived but its body is unusable (HTML page, empty, not JSON); the body is kept here."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        url: str | None = None,
        content: bytes = b"",
        content_type: str = "",
    ) -> None:
        super().__init__(source, message, url=url)
        self.content = content
        self.content_type = content_type


class InputFileError(SourceError):
    """A data file that cannot be imported as it is; says which file, what was expected and what was found."""

    def __init__(self, path: Path | str, expected: str, found: str) -> None:
        super().__init__("file", f"{path}: expected {expected}; found {found}")
        self.path = Path(path)
        self.expected = expected
        self.found = found


class TransientSourceError(SourceError):
    """A source failed in a way that may pass: 429, 5xx, timeout. Retried with backoff, capped."""


@dataclass(frozen=True)
class RawPayload:
    """One response body exactly as the source sent it, with where and when it came from."""

    source: str
    kind: str
    game_date: date
    content: bytes
    fetched_at: datetime
    content_type: str = "application/json"
    url: str | None = None
    # Free-form request facts that parsing needs (e.g. {"event_id": ...}); never secrets.
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class GameDaySource(Protocol):
    """A source of raw payloads for one US-Eastern game date, as of the source's clock."""

    name: str

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        """Return the payloads of `kind` for `game_date`; an empty list when there is nothing yet."""
        ...
