"""JSON Schemas of the public exports (documented in docs/exports.md) and the check every builder runs."""

from __future__ import annotations

from typing import Any

import jsonschema

SCHEMA_VERSION = "1.0"

_STR: dict[str, Any] = {"type": "string"}
_STR_NULL: dict[str, Any] = {"type": ["string", "null"]}
_NUM: dict[str, Any] = {"type": "number"}
_NUM_NULL: dict[str, Any] = {"type": ["number", "null"]}
_INT: dict[str, Any] = {"type": "integer"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_DATE: dict[str, Any] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_DATE_NULL: dict[str, Any] = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TIME: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$",
}
_TIME_NULL: dict[str, Any] = {**_TIME, "type": ["string", "null"]}
_MARKET: dict[str, Any] = {"enum": ["points", "rebounds", "assists", "threes", "pra"]}
_SIDE: dict[str, Any] = {"enum": ["OVER", "UNDER"]}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    """An object whose listed properties are all required (values may still be null)."""
    return {"type": "object", "required": list(props), "properties": props}


def _array(item: dict[str, Any]) -> dict[str, Any]:
    """An array of `item` (always present, possibly empty)."""
    return {"type": "array", "items": item}


def _document(props: dict[str, Any]) -> dict[str, Any]:
    """A top-level export: schema version and generation time, plus `props`."""
    schema = _obj({"schema_version": {"const": SCHEMA_VERSION}, "generated_at": _TIME, **props})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


RECORD = _obj({"wins": _INT, "losses": _INT, "pushes": _INT, "voids": _INT, "text": _STR})

_FIGURES = {
    "n_predictions": _INT,
    "n_with_line": _INT,
    "n_bets": _INT,
    "n_priced": _INT,
    "hit_rate": _NUM_NULL,
    "profit": _NUM,
    "roi": _NUM_NULL,
    "n_actual": _INT,
    "mae": _NUM_NULL,
    "record": RECORD,
}

PREDICTIONS = _document(
    {
        "game_date": _DATE,
        "system_id": _STR,
        "players": _array(
            _obj(
                {
                    "game_id": _STR,
                    "team": _STR,
                    "opponent": _STR,
                    "player_id": _STR,
                    "player_name": _STR,
                    "markets": _array(
                        _obj(
                            {
                                "market": _MARKET,
                                "line": _NUM_NULL,
                                "line_source": _STR_NULL,
                                "prediction": _NUM,
                                "p_over": _NUM_NULL,
                                "recommendation": {"enum": ["OVER", "UNDER", "PASS", "NO_LINE"]},
                                "edge": _NUM_NULL,
                                "expected_value": _NUM_NULL,
                                "over_price": _NUM_NULL,
                                "under_price": _NUM_NULL,
                                "system_id": _STR,
                                "model_version": _STR,
                            }
                        )
                    ),
                }
            )
        ),
    }
)

RESULTS = _document(
    {
        "game_date": _DATE,
        "system_id": _STR,
        "record": RECORD,
        "picks": _array(
            _obj(
                {
                    "game_id": _STR,
                    "player_id": _STR,
                    "player_name": _STR,
                    "market": _MARKET,
                    "system_id": _STR,
                    "recommendation": _SIDE,
                    "line": _NUM,
                    "price": _NUM_NULL,
                    "prediction": _NUM,
                    "actual": _NUM_NULL,
                    "result": {"enum": ["win", "loss", "push", "void"]},
                    "void_reason": _STR_NULL,
                    "profit": _NUM_NULL,
                }
            )
        ),
        "systems": _array(
            _obj(
                {
                    "system_id": _STR,
                    **_FIGURES,
                    "markets": _array(_obj({"market": _MARKET, **_FIGURES})),
                }
            )
        ),
    }
)

BEST_BETS = _document(
    {
        "game_date": _DATE,
        "system_id": _STR,
        "max_per_team": _INT,
        "max_per_day": _INT,
        "picks": _array(
            _obj(
                {
                    "rank": _INT,
                    "locked_at": _TIME,
                    "game_id": _STR,
                    "player_id": _STR,
                    "player_name": _STR,
                    "team": _STR,
                    "opponent": _STR,
                    "market": _MARKET,
                    "recommendation": _SIDE,
                    "line": _NUM,
                    "line_source": _STR_NULL,
                    "price": _NUM_NULL,
                    "prediction": _NUM,
                    "p_over": _NUM_NULL,
                    "edge": _NUM_NULL,
                    "expected_value": _NUM,
                    "system_id": _STR,
                }
            )
        ),
    }
)

STATUS = _document(
    {
        "phases": _array(
            _obj({"name": _STR, "status": _STR, "updated_at": _TIME_NULL, "message": _STR_NULL})
        ),
        "coverage": _array(
            _obj(
                {
                    "table": _STR,
                    "game_date": _DATE_NULL,
                    "expected": _INT,
                    "actual": _INT,
                    "ratio": _NUM_NULL,
                }
            )
        ),
        "models": _array(
            _obj({"market": _STR, "model_name": _STR, "version": _STR, "alias": _STR_NULL})
        ),
    }
)

LIVE = _document(
    {
        "game_date": _DATE_NULL,
        "simulated": _BOOL,
        "games": _array(
            _obj(
                {
                    "game_id": _STR,
                    "home_team": _STR,
                    "away_team": _STR,
                    "home_score": _INT,
                    "away_score": _INT,
                    "period": _INT,
                    "game_clock": _STR,
                    "game_status": {"enum": [1, 2, 3]},
                    "status_text": _STR,
                    "tipoff_utc": _TIME_NULL,
                }
            )
        ),
    }
)

_LIVE_STATUSES = ["pending", "winning", "losing", "final"]
LIVE_GRADING = _document(
    {
        "game_date": _DATE_NULL,
        "simulated": _BOOL,
        "summary": _obj({s: _INT for s in [*_LIVE_STATUSES[:3], "win", "loss", "push", "void"]}),
        "picks": _array(
            _obj(
                {
                    "game_id": _STR,
                    "player_id": _STR,
                    "player_name": _STR,
                    "team": _STR,
                    "market": _MARKET,
                    "system_id": _STR,
                    "recommendation": _SIDE,
                    "line": _NUM,
                    "current": _NUM_NULL,
                    "game_status": {"enum": [None, 1, 2, 3]},
                    "status": {"enum": _LIVE_STATUSES},
                    "result": {"enum": [None, "win", "loss", "push", "void"]},
                    "void_reason": _STR_NULL,
                }
            )
        ),
    }
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "predictions": PREDICTIONS,
    "results": RESULTS,
    "best_bets": BEST_BETS,
    "status": STATUS,
    "live": LIVE,
    "live_grading": LIVE_GRADING,
}


def validate_export(kind: str, document: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when `document` breaks the schema of export `kind`."""
    jsonschema.Draft202012Validator(SCHEMAS[kind]).validate(document)
