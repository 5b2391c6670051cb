"""Parameters of commands and flows, checked where they enter.

Each check raises one ValueError naming the parameter, what was expected and what was found; the
CLI turns it into a usage error (exit 2), a flow fails at its start before touching anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

DATE_FORMAT = "YYYY-MM-DD"
_SEASON = re.compile(r"(\d{4})-(\d{2})")


def parse_date(value: object) -> date:
    """A date from a date, datetime or 'YYYY-MM-DD' text; ValueError saying what was found."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        why = "" if "isoformat" in str(exc) else f" ({exc})"
        raise ValueError(f"expected a date {DATE_FORMAT}, found {value!r}{why}") from None


def check_date(name: str, value: object) -> date:
    """`parse_date(value)`, its error prefixed with the parameter's name."""
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def check_optional_date(name: str, value: object | None) -> date | None:
    """None, or `check_date(name, value)`."""
    return None if value is None else check_date(name, value)


def check_order(
    first_name: str, first: date, last_name: str, last: date, strict: bool = False
) -> None:
    """ValueError unless first <= last (first < last when `strict`, for end-exclusive windows)."""
    if first < last or (first == last and not strict):
        return
    relation = "before" if strict else "on or before"
    raise ValueError(
        f"{first_name}/{last_name}: expected {first_name} {relation} {last_name}, "
        f"found {first_name} {first.isoformat()} and {last_name} {last.isoformat()}"
    )


def parse_time(value: object) -> datetime:
    """A time from ISO text ('2024-04-10T23:30:00', a zone optional); ValueError saying what was found."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(
            f"expected an ISO time like 2024-04-10T23:30:00, found {value!r}"
        ) from None


def check_time(name: str, value: object) -> datetime:
    """`parse_time(value)`, its error prefixed with the parameter's name."""
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def parse_season(value: str) -> str:
    """'2023-24' (consecutive years); ValueError saying what was found."""
    match = _SEASON.fullmatch(value.strip())
    if match is None or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"expected a season like 2023-24, found {value!r}")
    return match[0]


def check_markets(name: str, value: str, known: Sequence[str]) -> list[str]:
    """The markets `value` names: 'all' (every known market) or one known market."""
    if value == "all":
        return list(known)
    if value not in known:
        raise ValueError(f"{name}: expected 'all' or one of {', '.join(known)}, found {value!r}")
    return [value]
