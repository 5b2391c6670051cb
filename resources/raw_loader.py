"""Raw loading: fetch a kind of payload, keep it in the raw store, validate, load, quarantine.

Used by the ingest task (sources) and by file imports (resources/loading.py). Good rows are
upserted by natural key; rows that break the contract go to `quarantine` with the rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from contracts.registry import TABLES
from contracts.validate import split_valid
from resources.clock import now_utc, today_eastern
from resources.raw_store import open_raw_store
from resources.settings import Settings
from resources.sources.base import BadBodyError, RawPayload, SourceError
from resources.sources.factory import open_source, parse_payload
from resources.warehouse import Warehouse

# Tables of things that already happened: a row dated after the load's clock cannot be real.
PAST_ONLY_TABLES: frozenset[str] = frozenset({"raw_player_boxscores", "raw_team_boxscores"})

KIND_TABLE = {
    "schedule": "raw_schedule",
    "player_boxscores": "raw_player_boxscores",
    "team_boxscores": "raw_team_boxscores",
    "prop_lines": "raw_prop_lines",
    "game_odds": "raw_game_odds",
    "injury_report": "raw_injury_report",
}


@dataclass
class LoadReport:
    """What one load did: rows loaded and quarantined (by rule), payloads kept."""

    table: str
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_collapsed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    payloads: list[str] = field(default_factory=list)

    def add(self, other: LoadReport) -> None:
        self.rows_loaded += other.rows_loaded
        self.rows_quarantined += other.rows_quarantined
        self.rows_collapsed += other.rows_collapsed
        for rule, n in other.by_rule.items():
            self.by_rule[rule] = self.by_rule.get(rule, 0) + n
        self.payloads.extend(other.payloads)


def load_rows(
    settings: Settings, table: str, rows: pd.DataFrame, source: str, payload_path: str | None
) -> LoadReport:
    """Validate rows against the table's contract; upsert the good ones; quarantine the rest.

    Quarantine rows are replaced per payload path, so loading the same payload twice leaves the
    same quarantine rows (idempotent like every other write). Box-score rows dated after the
    clock's US-Eastern date are quarantined (`game_date_in_future`).
    """
    spec = TABLES[table]
    now = now_utc(settings)
    latest = pd.Timestamp(today_eastern(settings)) if table in PAST_ONLY_TABLES else None
    result = split_valid(
        rows,
        spec.contract,
        table_name=table,
        source=source,
        payload_path=payload_path,
        now=now,
        natural_key=list(spec.natural_key),
        date_column=spec.date_column,
        latest_date=latest,
    )
    wh = Warehouse.from_settings(settings)
    wh.upsert(table, result.good, spec.natural_key)
    if payload_path is not None:
        wh.replace_partition("quarantine", result.quarantine, "payload_path", [payload_path])
    else:
        wh.append("quarantine", result.quarantine)
    return LoadReport(
        table=table,
        rows_loaded=len(result.good),
        rows_quarantined=int(result.quarantine["row_number"].nunique())
        if len(result.quarantine)
        else 0,
        rows_collapsed=result.collapsed,
        by_rule=result.counts_by_rule,
        payloads=[payload_path] if payload_path else [],
    )


def ingest_kind_for_date(
    settings: Settings, kind: str, game_date: date, run_date: date | None = None
) -> LoadReport:
    """Fetch one kind of payload for a date, keep it raw, load its rows.

    `run_date` is the date of the run asking (the replay clock is that run's), default `game_date`.
    """
    source = open_source(settings, run_date or game_date)
    store = open_raw_store(settings.resolved_raw_store, settings.gcp_credentials_block)
    table = KIND_TABLE[kind]
    report = LoadReport(table=table)
    try:
        payloads = source.fetch(kind, game_date)
    except BadBodyError as exc:
        # The response body is the evidence: keep it like any payload, then say what was wrong.
        body = RawPayload(
            source=exc.source,
            kind=kind,
            game_date=game_date,
            content=exc.content,
            fetched_at=now_utc(settings).to_pydatetime(),
            content_type="application/octet-stream",
            url=exc.url,
        )
        stored = store.save(body)
        report.add(quarantine_payload(settings, table, exc.source, stored.path, str(exc)))
        return report
    for payload in payloads:
        stored = store.save(payload)
        if payload.meta.get("endpoint") == "events":
            continue  # an index of the day's events (kept raw); its rows are not table rows
        try:
            rows = parse_payload(payload)
        except SourceError as exc:
            report.add(quarantine_payload(settings, table, payload.source, stored.path, str(exc)))
            continue
        report.add(_load(settings, table, rows, payload.source, stored.path))
    if kind in ("prop_lines", "player_boxscores") and report.rows_loaded:
        from resources.crosswalk_store import refresh_identity

        refresh_identity(settings, [game_date])
    return report


def _load(
    settings: Settings, table: str, rows: pd.DataFrame, source: str, payload_path: str
) -> LoadReport:
    """Load parsed rows; injury-report names are first resolved to NBA ids (box scores)."""
    if table == "raw_injury_report":
        from resources.injury_store import load_injury_rows

        return load_injury_rows(settings, rows, source, payload_path)
    return load_rows(settings, table, rows, source, payload_path)


def quarantine_payload(
    settings: Settings, table: str, source: str, payload_path: str, message: str
) -> LoadReport:
    """Record a payload that could not be parsed at all (not JSON, HTML page, empty body).

    The payload itself is already in the raw store; one quarantine row (row_number -1, rule
    `unparseable_payload`) names source and path, and the error is logged.
    """
    row = pd.DataFrame(
        {
            "table_name": [table],
            "source": [source],
            "payload_path": [payload_path],
            "row_number": [-1],
            "field": [None],
            "rule": ["unparseable_payload"],
            "message": [message],
            "row_json": ["null"],
            "quarantined_at": [now_utc(settings)],
        }
    ).astype({"row_number": "int64", "field": object})
    Warehouse.from_settings(settings).replace_partition(
        "quarantine", row, "payload_path", [payload_path]
    )
    logging.getLogger(__name__).error("%s payload %s not loaded: %s", source, payload_path, message)
    return LoadReport(
        table=table,
        rows_quarantined=1,
        by_rule={"unparseable_payload": 1},
        payloads=[payload_path],
    )
