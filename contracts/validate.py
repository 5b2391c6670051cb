"""Split a frame into the rows that keep a contract and quarantine rows for the ones that break it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

QUARANTINE_COLUMNS = [
    "table_name",
    "source",
    "payload_path",
    "row_number",
    "field",
    "rule",
    "message",
    "row_json",
    "quarantined_at",
]


@dataclass(frozen=True)
class ValidationResult:
    """Good rows (validated and coerced) and one quarantine row per broken rule and input row."""

    good: pd.DataFrame
    quarantine: pd.DataFrame

    @property
    def counts_by_rule(self) -> dict[str, int]:
        if self.quarantine.empty:
            return {}
        return {str(k): int(v) for k, v in self.quarantine["rule"].value_counts().items()}


def _row_json(row: pd.Series) -> str:
    return json.dumps({str(k): (None if pd.isna(v) else str(v)) for k, v in row.items()})


def _coerce_column(values: pd.Series, dtype: str) -> pd.Series:
    """Coerce one column to the contract's dtype; values that cannot be coerced become NA."""
    if dtype.startswith("datetime64") and "UTC" in dtype:
        return pd.to_datetime(values, errors="coerce", utc=True)
    if dtype.startswith("datetime64"):
        parsed = pd.to_datetime(values, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        return parsed
    if dtype in ("float64", "int64"):
        return pd.to_numeric(values, errors="coerce")
    if dtype in ("bool", "boolean"):
        mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
        return values.map(
            lambda v: v if isinstance(v, bool) or pd.isna(v) else mapping.get(str(v).lower(), pd.NA)
        ).astype("boolean")
    if dtype == "str":
        return values.where(values.isna(), values.astype(str))
    return values


def _coerce(
    frame: pd.DataFrame, model: type[pa.DataFrameModel]
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Coerce every contract column; report each value that was present but could not be read."""
    out = frame.copy()
    problems: list[dict[str, object]] = []
    for name, column in model.to_schema().columns.items():
        if name not in out.columns:
            out[name] = pd.NA
            problems.extend(
                {
                    "row_number": int(i),
                    "field": name,
                    "rule": "missing_column",
                    "message": f"required field {name!r} is missing from the input",
                }
                for i in out.index
                if not column.nullable
            )
            continue
        original = out[name]
        coerced = _coerce_column(original, str(column.dtype))
        broken = original.notna() & coerced.isna()
        problems.extend(
            {
                "row_number": int(i),
                "field": name,
                "rule": "wrong_type",
                "message": f"{name}={original[i]!r} is not a valid {column.dtype}",
            }
            for i in out.index[broken]
        )
        out[name] = coerced
    return out, problems


def split_valid(
    df: pd.DataFrame,
    model: type[pa.DataFrameModel],
    *,
    table_name: str,
    source: str,
    payload_path: str | None,
    now: pd.Timestamp,
    natural_key: list[str] | None = None,
) -> ValidationResult:
    """Validate `df` against `model`; rows that fail go to quarantine with rule and field named.

    Duplicate natural keys keep the first row and quarantine the rest (rule `duplicate_key`).
    Row numbers are the 0-based positions in `df` as given.
    """
    frame = df.reset_index(drop=True)
    coerced, problems = _coerce(frame, model)
    bad_rows = {int(str(p["row_number"])) for p in problems}

    if natural_key:
        dup = coerced.duplicated(subset=natural_key, keep="first")
        for i in coerced.index[dup]:
            problems.append(
                {
                    "row_number": int(i),
                    "field": ",".join(natural_key),
                    "rule": "duplicate_key",
                    "message": f"duplicate natural key ({', '.join(natural_key)}); first row kept",
                }
            )
            bad_rows.add(int(i))

    duplicates = {int(str(p["row_number"])) for p in problems if p["rule"] == "duplicate_key"}
    candidate = coerced.drop(index=sorted(duplicates))
    try:
        model.validate(candidate, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases[cases["index"].notna()].iterrows():
            i = int(case["index"])
            column = case["column"] if isinstance(case["column"], str) else None
            label = column or "row"
            problems.append(
                {
                    "row_number": i,
                    "field": column,
                    "rule": str(case["check"]),
                    "message": f"{label}={case['failure_case']!r} fails '{case['check']}'",
                }
            )
            bad_rows.add(i)
    good = model.validate(coerced.drop(index=sorted(bad_rows)), lazy=False)

    quarantine = pd.DataFrame(problems, columns=["row_number", "field", "rule", "message"])
    # A value that could not be read also fails the checks on its column: report it once.
    quarantine = quarantine.drop_duplicates(subset=["row_number", "field"], keep="first")
    quarantine["row_json"] = [_row_json(frame.iloc[int(i)]) for i in quarantine["row_number"]]
    quarantine["table_name"] = table_name
    quarantine["source"] = source
    quarantine["payload_path"] = payload_path
    quarantine["quarantined_at"] = now
    quarantine = quarantine[QUARANTINE_COLUMNS].astype(
        {c: object for c in QUARANTINE_COLUMNS if c not in ("row_number", "quarantined_at")}
    )
    quarantine["row_number"] = quarantine["row_number"].astype("int64")
    quarantine["quarantined_at"] = pd.to_datetime(quarantine["quarantined_at"], utc=True)
    return ValidationResult(good=good.reset_index(drop=True), quarantine=quarantine)
