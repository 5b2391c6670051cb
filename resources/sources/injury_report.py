"""The league's official injury report: the PDF parser, the live source, and the CSV reader.

The league publishes the report as a PDF several times a day (hourly file names until 2025-12-22,
every 15 minutes after). Each report lists the games of that day and the next with, per team, the
players whose participation is in doubt: status (Out, Doubtful, Questionable, Probable, Available)
and reason. Rows here keep the report's facts; names are resolved to NBA ids when they are loaded
(resources/injury_store.py), because that needs the warehouse's box scores.

Game times in the report are a 12-hour US-Eastern clock without am/pm (`07:30 (ET)` is 7:30 pm;
`01:00` .. `06:30` are afternoon tips): every tip is read as noon or later.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from features.calendar import EASTERN
from features.teams import team_abbr
from resources.sources.base import RawPayload, SourceError
from resources.sources.file_checks import Layout, match_layout, read_csv_checked, require_dates
from resources.sources.http import HttpClient, HttpConfig, HttpSource, HttpStatusError, utcnow

SOURCE = "nba_injury_report"
KIND = "injury_report"
STATUSES: tuple[str, ...] = ("Out", "Doubtful", "Questionable", "Probable", "Available")
NOT_SUBMITTED = "NOT YET SUBMITTED"
DEFAULT_BASE_URL = "https://ak-static.cms.nba.com/referee/injury/"
# Report file names carry hour and minutes from this date on (15-minute reports).
MINUTE_NAMES_FROM = date(2025, 12, 23)
# How many earlier report slots the live source tries before giving up (a report may be late).
MAX_SLOTS_BACK = 8

# The report's own layout (CSV of parsed reports, as in ../shared/data/injuries).
REPORT_COLUMNS: tuple[str, ...] = (
    "game_date",
    "game_time",
    "matchup",
    "team",
    "player_name",
    "status",
    "reason",
    "report_datetime",
)
RAW_COLUMNS: tuple[str, ...] = (
    "report_time",
    "game_date",
    "tipoff_utc",
    "home_team",
    "away_team",
    "team_abbr",
    "player_name",
    "status",
    "reason",
    "source",
)
INJURY_REPORTS = "an injury-report CSV (official NBA injury report parsed to rows)"
INJURY_LAYOUTS = (
    Layout(
        "official injury report",
        frozenset(REPORT_COLUMNS),
        ("game_date", "report_datetime"),
    ),
)

# PDF column headers (first word of each) and the field each column fills.
_HEADER_FIELDS: tuple[tuple[str, str], ...] = (
    ("Game Date", "date"),
    ("Game Time", "time"),
    ("Matchup", "matchup"),
    ("Team", "team"),
    ("Player Name", "player"),
    ("Current Status", "status"),
    ("Reason", "reason"),
)
_TITLE = re.compile(r"Injury Report:\s*(\d{2}/\d{2}/\d{2,4})\s+(\d{1,2}:\d{2})\s*([AP]M)", re.I)
_FOOTER = re.compile(r"^Page\s*\d+\s*of\s*\d+$", re.I)
_GAME_TIME = re.compile(r"^(\d{1,2}):(\d{2})")
LINE_TOLERANCE = 3.0


def report_url(at: pd.Timestamp, base_url: str = DEFAULT_BASE_URL) -> str:
    """URL of the report published in the slot of `at` (US-Eastern): hourly, 15-minute from 2025-12-23."""
    local = at.tz_convert(EASTERN) if at.tzinfo else at.tz_localize(EASTERN)
    hour12 = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    if local.date() >= MINUTE_NAMES_FROM:
        minute = local.minute - local.minute % 15
        return f"{base_url}Injury-Report_{local:%Y-%m-%d}_{hour12:02d}_{minute:02d}{half}.pdf"
    return f"{base_url}Injury-Report_{local:%Y-%m-%d}_{hour12:02d}{half}.pdf"


def report_slots(at: pd.Timestamp, n: int) -> list[pd.Timestamp]:
    """The `n` report slots at or before `at`, latest first (hours; quarter hours from 2025-12-23)."""
    local = at.tz_convert(EASTERN) if at.tzinfo else at.tz_localize(EASTERN)
    slots: list[pd.Timestamp] = []
    current = local
    for _ in range(n):
        step = 15 if current.date() >= MINUTE_NAMES_FROM else 60
        slot = current.floor(f"{step}min")
        slots.append(slot)
        current = slot - pd.Timedelta(minutes=1)
    return slots


@dataclass
class _Line:
    """One printed line of a report page: its height on the page and the text per column."""

    top: float
    cells: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return " ".join(t for _, t in sorted(self.cells.get(name, []))).strip()


def _column_starts(words: list[dict[str, Any]]) -> list[tuple[float, str]] | None:
    """Left edges of the columns, from the header line ("Game Date ... Reason"), or None."""
    by_line: dict[int, list[dict[str, Any]]] = {}
    for w in words:
        by_line.setdefault(round(float(w["top"])), []).append(w)
    for line in by_line.values():
        line = sorted(line, key=lambda w: float(w["x0"]))
        texts = [str(w["text"]) for w in line]
        starts: list[tuple[float, str]] = []
        for header, name in _HEADER_FIELDS:
            first, *rest = header.split()
            for i, text in enumerate(texts):
                if text == first and texts[i + 1 : i + 1 + len(rest)] == rest:
                    starts.append((float(line[i]["x0"]) - LINE_TOLERANCE, name))
                    break
        if len(starts) == len(_HEADER_FIELDS):
            return sorted(starts)
    return None


def _lines(words: list[dict[str, Any]], starts: list[tuple[float, str]]) -> list[_Line]:
    """Words grouped into printed lines (same top within a tolerance) and columns."""
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: (float(w["top"]), float(w["x0"]))):
        top, x0 = float(w["top"]), float(w["x0"])
        if not lines or top - lines[-1].top > LINE_TOLERANCE:
            lines.append(_Line(top))
        column = next((name for x, name in reversed(starts) if x0 >= x), starts[0][1])
        lines[-1].cells.setdefault(column, []).append((x0, str(w["text"])))
    return lines


def _is_frame_line(line: _Line) -> bool:
    """Title, column header or page footer: not a row of the report."""
    joined = " ".join(line.text(n) for _, n in _HEADER_FIELDS).strip()
    return bool(
        _TITLE.search(joined) or _FOOTER.match(joined) or joined.startswith("Game Date Game Time")
    )


def _report_time(text: str, url: str | None) -> pd.Timestamp:
    """The report's publication time (US-Eastern, naive) from its title line."""
    found = _TITLE.search(text)
    if not found:
        raise SourceError(SOURCE, "no 'Injury Report: date time' title in the PDF", url=url)
    day, clock, half = found.groups()
    fmt = "%m/%d/%y" if len(day) == 8 else "%m/%d/%Y"
    return pd.Timestamp(datetime.strptime(f"{day} {clock} {half.upper()}", f"{fmt} %I:%M %p"))


def _page_words(content: bytes, url: str | None) -> tuple[str, list[list[dict[str, Any]]]]:
    """The first page's text and every page's words (pdfplumber, tight spacing so words split)."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            pages = [p.extract_words(x_tolerance=1.0, y_tolerance=2.0) for p in pdf.pages]
            first = pdf.pages[0].extract_text() if pdf.pages else ""
    except Exception as exc:  # pdfminer raises many types for a body that is not a PDF
        raise SourceError(
            SOURCE, f"not a readable PDF ({type(exc).__name__}: {exc})", url=url
        ) from None
    if not any(pages):
        raise SourceError(SOURCE, "the PDF has no text on any page (empty or image-only)", url=url)
    return first or "", pages


def parse_report_pdf(content: bytes, *, url: str | None = None) -> pd.DataFrame:
    """One official injury-report PDF -> rows in the report's layout (REPORT_COLUMNS).

    Date, time, matchup and team are printed once per block and carried down. A reason (or name)
    wrapped over several printed lines is printed around its row: a line with neither player nor
    status attaches each of its cells to the nearest player line on the page. Teams marked
    NOT YET SUBMITTED have no player rows and are left out.
    """
    title, pages = _page_words(content, url)
    report_time = _report_time(" ".join(title.split()[:8]) if title else "", url)
    starts = next((s for s in (_column_starts(p) for p in pages) if s), None)
    if starts is None:
        raise SourceError(SOURCE, "no column header (Game Date ... Reason) in the PDF", url=url)
    carried = {"date": "", "time": "", "matchup": "", "team": ""}
    rows: list[dict[str, Any]] = []
    for words in pages:
        lines = [ln for ln in _lines(words, starts) if not _is_frame_line(ln)]
        rows += _page_rows(lines, carried)
    return pd.DataFrame(
        {
            "game_date": [
                pd.Timestamp(datetime.strptime(r["date"], "%m/%d/%Y")).strftime("%Y-%m-%d")
                for r in rows
            ],
            "game_time": [r["time"].replace("(ET)", " (ET)").replace("  ", " ") for r in rows],
            "matchup": [r["matchup"] for r in rows],
            "team": [team_abbr(r["team"]) or r["team"] for r in rows],
            "player_name": [r["player"] for r in rows],
            "status": [r["status"] for r in rows],
            "reason": [r["reason"] or None for r in rows],
            "report_datetime": report_time.strftime("%Y-%m-%d %H:%M:%S"),
        },
        columns=list(REPORT_COLUMNS),
    )


def _page_rows(lines: list[_Line], carried: dict[str, str]) -> list[dict[str, Any]]:
    """The player rows of one page's lines.

    `carried` holds the date, time, matchup and team printed last (on this page or before) and
    is updated as the lines print new ones.
    """
    players: list[tuple[_Line, dict[str, Any]]] = []
    fragments: list[_Line] = []
    for line in lines:
        for key in carried:
            text = line.text(key)
            if text:
                carried[key] = text
                if key == "matchup":
                    carried["team"] = line.text("team")
        if line.text("player") and line.text("status"):
            row = {**carried, "player": line.text("player"), "status": line.text("status")}
            players.append((line, row))
        elif (
            not line.text("status")
            and not any(line.text(k) for k in carried)
            and line.text("reason") != NOT_SUBMITTED
        ):
            fragments.append(line)
    _join_wrapped_text(players, fragments)
    return [row for _, row in players]


def _join_wrapped_text(players: list[tuple[_Line, dict[str, Any]]], fragments: list[_Line]) -> None:
    """Set each player row's name and reason: its own text and the nearest fragments', top down."""
    pieces: dict[int, dict[str, list[tuple[float, str]]]] = {}
    for frag in fragments:
        if not players:
            break
        nearest = min(range(len(players)), key=lambda i: abs(players[i][0].top - frag.top))
        for column in ("player", "reason"):
            if frag.text(column):
                pieces.setdefault(nearest, {}).setdefault(column, []).append(
                    (frag.top, frag.text(column))
                )
    for i, (line, row) in enumerate(players):
        for column in ("player", "reason"):
            parts = [(line.top, line.text(column))] if line.text(column) else []
            parts += pieces.get(i, {}).get(column, [])
            row[column] = " ".join(t for _, t in sorted(parts))


def _tipoffs(game_date: pd.Series, game_time: pd.Series) -> pd.Series:
    """UTC tip-off from the ET date and the report's 12-hour clock (read as noon or later)."""
    parts = game_time.astype(str).str.extract(_GAME_TIME)
    hour = pd.to_numeric(parts[0], errors="coerce")
    minute = pd.to_numeric(parts[1], errors="coerce")
    hour24 = hour.where(hour == 12, hour + 12)
    local = pd.to_datetime(game_date, errors="coerce") + pd.to_timedelta(
        hour24 * 60 + minute, unit="min"
    )
    return local.dt.tz_localize(EASTERN, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


def _text_or_none(values: pd.Series) -> list[str | None]:
    """Text values with every missing one (NaN, "nan", blank) as None."""
    return [None if pd.isna(v) or str(v).strip() in ("", "nan") else str(v).strip() for v in values]


def report_rows_to_raw(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, int]:
    """Report-layout rows -> raw_injury_report columns (player_id added at load), and the number
    of team entries marked NOT YET SUBMITTED (no player: not rows of the table)."""
    not_submitted = frame["player_name"].isna() & frame["reason"].astype(str).str.strip().eq(
        NOT_SUBMITTED
    )
    rows = frame[~not_submitted].reset_index(drop=True)
    teams = rows["matchup"].astype(str).str.split("@", n=1, expand=True).reindex(columns=[0, 1])
    report_time = pd.to_datetime(rows["report_datetime"], errors="coerce")
    out = pd.DataFrame(
        {
            "report_time": report_time.dt.tz_localize(EASTERN, ambiguous="NaT").dt.tz_convert(
                "UTC"
            ),
            "game_date": pd.to_datetime(rows["game_date"], errors="coerce"),
            "tipoff_utc": _tipoffs(rows["game_date"], rows["game_time"]),
            "home_team": teams[1].map(lambda t: team_abbr(t) or t),
            "away_team": teams[0].map(lambda t: team_abbr(t) or t),
            "team_abbr": rows["team"].map(lambda t: team_abbr(t) or t),
            "player_name": rows["player_name"],
            "status": _text_or_none(rows["status"]),
            "reason": _text_or_none(rows["reason"]),
            "source": source,
        },
        columns=list(RAW_COLUMNS),
    )
    return out, int(not_submitted.sum())


def read_report_csv(path: Path) -> tuple[pd.DataFrame, int]:
    """An injury-report CSV (layout of ../shared/data/injuries/official_injury_report_*) -> raw rows."""
    frame = read_csv_checked(path, INJURY_REPORTS, dtype=dict.fromkeys(REPORT_COLUMNS, str))
    layout = match_layout(path, frame, INJURY_LAYOUTS, INJURY_REPORTS)
    rows, not_submitted = report_rows_to_raw(frame, f"file:{path.name}")
    require_dates(path, frame, rows["game_date"], layout, INJURY_REPORTS)
    return rows, not_submitted


def default_config() -> HttpConfig:
    """HTTP settings for the report's static host (few requests, short timeouts)."""
    return HttpConfig(
        base_url="",
        headers={"User-Agent": "Mozilla/5.0 (compatible; nba-props/0.1)"},
        timeout_s=20.0,
        min_interval_s=0.5,
        max_attempts=3,
        backoff_base_s=1.0,
        backoff_max_s=10.0,
    )


class InjuryReportSource(HttpSource):
    """Fetches the latest official injury report at the clock (a PDF, kept verbatim).

    A slot whose report is not published (403/404) moves to the slot before, up to MAX_SLOTS_BACK.
    """

    name = SOURCE
    kinds: tuple[str, ...] = (KIND,)

    def __init__(
        self,
        client: HttpClient | None = None,
        now: Callable[[], datetime] = utcnow,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        super().__init__(client, default_config(), now)
        self._base_url = base_url

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        """The latest report published at or before the clock (and before the end of `game_date`)."""
        if kind != KIND:
            raise SourceError(SOURCE, f"kind {kind!r} is not served by the injury report")
        end_of_day = pd.Timestamp(game_date + timedelta(days=1)).tz_localize(EASTERN)
        at = min(pd.Timestamp(self._now()).tz_convert(EASTERN), end_of_day - pd.Timedelta("1min"))
        for slot in report_slots(at, MAX_SLOTS_BACK):
            url = report_url(slot, self._base_url)
            try:
                result = self._client.get_bytes(url, content_type="pdf")
            except HttpStatusError as exc:
                if exc.status_code in (403, 404):
                    continue
                raise
            meta = {"report_slot": slot.isoformat()}
            return [self._payload(result, KIND, game_date, meta, "application/pdf")]
        return []


def parse_payload(payload: RawPayload) -> pd.DataFrame:
    """A stored report PDF -> raw_injury_report rows (without player ids)."""
    rows, _ = report_rows_to_raw(parse_report_pdf(payload.content, url=payload.url), SOURCE)
    return rows
