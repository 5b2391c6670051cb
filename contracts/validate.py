"""Apply the contracts: split raw rows into good and quarantined ones, and check every write."""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import sys
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.engines import pandas_engine

from contracts.columns import TEAM_ABBRS
from contracts.raw import ROW_CHECK_FIELDS
from contracts.registry import TABLES

# pandera asks for geopandas on every dtype check (`is_geopandas_dtype`: an import that fails
# each time, walking sys.path; a quarter of a small load's time). When geopandas is not installed,
# record it as absent once (a None entry in sys.modules), so that import fails at once.
if "geopandas" not in sys.modules and importlib.util.find_spec("geopandas") is None:
    sys.modules["geopandas"] = None  # type: ignore[assignment]

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
    collapsed: int = 0

    @property
    def counts_by_rule(self) -> dict[str, int]:
        """Input rows quarantined per rule (a row breaking one rule on two fields counts once)."""
        if self.quarantine.empty:
            return {}
        per_rule = self.quarantine.groupby("rule")["row_number"].nunique()
        return {str(k): int(v) for k, v in per_rule.items()}


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
            # A typed all-NA column, so an optional field that is absent still fits its dtype.
            empty = pd.Series([None] * len(out), index=out.index, dtype=object)
            out[name] = _coerce_column(empty, str(column.dtype))
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


def _rule_label(check: str) -> str:
    """Short rule id of a pandera check ('isin([...30 teams])' -> 'unknown_team')."""
    if check.startswith("isin(") and all(f"'{t}'" in check for t in TEAM_ABBRS):
        return "unknown_team"
    if check.startswith("isin("):
        return "not_an_allowed_value"
    return check


def _duplicate_problems(
    coerced: pd.DataFrame, natural_key: list[str]
) -> tuple[list[dict[str, object]], list[int]]:
    """Quarantine problems for conflicting duplicate keys, and the rows that repeat an earlier row exactly."""
    dup = coerced.duplicated(subset=natural_key, keep="first")
    if not dup.any():
        return [], []
    in_group = coerced.duplicated(subset=natural_key, keep=False)
    group = coerced[in_group].groupby(natural_key, dropna=False, sort=False).ngroup()
    first_of = pd.Series(group.index, index=group.index).groupby(group).transform("min")
    as_text = coerced[in_group].astype(str)
    exact = as_text.duplicated(keep="first") & dup[in_group]
    problems: list[dict[str, object]] = []
    for i in exact.index[dup[in_group] & ~exact]:
        first = int(first_of[i])
        differ = [c for c in as_text.columns if as_text.at[i, c] != as_text.at[first, c]]
        problems.append(
            {
                "row_number": int(i),
                "field": ",".join(natural_key),
                "rule": "duplicate_key",
                "message": (
                    f"same natural key ({', '.join(natural_key)}) as row {first} with different "
                    f"{', '.join(differ)}; row {first} kept"
                ),
            }
        )
    return problems, [int(i) for i in exact.index[exact]]


def _future_problems(
    coerced: pd.DataFrame, date_column: str | None, latest_date: pd.Timestamp | None
) -> list[dict[str, object]]:
    """Rows dated after `latest_date` (a box score cannot exist for a game that has not happened)."""
    if date_column is None or latest_date is None or date_column not in coerced.columns:
        return []
    future = coerced[date_column].notna() & (coerced[date_column] > latest_date)
    return [
        {
            "row_number": int(i),
            "field": date_column,
            "rule": "game_date_in_future",
            "message": (
                f"{date_column}={coerced.at[i, date_column]:%Y-%m-%d} is after the load's "
                f"date {latest_date:%Y-%m-%d}"
            ),
        }
        for i in coerced.index[future]
    ]


def _check_problems(exc: pa.errors.SchemaErrors) -> list[dict[str, object]]:
    """One problem per failing row and check; a row-level check names the fields it looks at."""
    cases = exc.failure_cases
    problems: list[dict[str, object]] = []
    seen: set[tuple[int, str]] = set()
    for _, case in cases[cases["index"].notna()].iterrows():
        i, check = int(case["index"]), str(case["check"])
        column = case["column"] if isinstance(case["column"], str) else None
        if check in ROW_CHECK_FIELDS:
            if (i, check) in seen:
                continue
            seen.add((i, check))
            problems.append(
                {
                    "row_number": i,
                    "field": ",".join(ROW_CHECK_FIELDS[check]),
                    "rule": check,
                    "message": f"row fails '{check}'",
                }
            )
            continue
        rule = _rule_label(check)
        label = column or "row"
        message = f"{label}={case['failure_case']!r} fails '{rule}'"
        if rule == "unknown_team":
            message = f"{label}={case['failure_case']!r} is not one of the 30 NBA teams"
        problems.append({"row_number": i, "field": column, "rule": rule, "message": message})
    return problems


def split_valid(
    df: pd.DataFrame,
    model: type[pa.DataFrameModel],
    *,
    table_name: str,
    source: str,
    payload_path: str | None,
    now: pd.Timestamp,
    natural_key: list[str] | None = None,
    date_column: str | None = None,
    latest_date: pd.Timestamp | None = None,
) -> ValidationResult:
    """Validate `df` against `model`; rows that fail go to quarantine with rule and field named.

    A row repeating an earlier row exactly is collapsed into it (counted in `collapsed`); a row with
    the same natural key but other values is quarantined (rule `duplicate_key`, first row kept).
    With `latest_date`, rows whose `date_column` is after it are quarantined (`game_date_in_future`).
    Row numbers are the 0-based positions in `df` as given.
    """
    if df.empty:  # an empty payload (common: a date without lines): its typed empty frame, kept
        columns = tuple((str(name), str(dtype)) for name, dtype in df.dtypes.items())
        good = _empty_good(model, columns).copy()
        quarantine = _quarantine_rows([], df, table_name, source, payload_path, now)
        return ValidationResult(good=good, quarantine=quarantine, collapsed=0)
    frame = df.reset_index(drop=True)
    coerced, problems = _coerce(frame, model)
    problems.extend(_future_problems(coerced, date_column, latest_date))
    collapsed: list[int] = []
    if natural_key:
        dup_problems, collapsed = _duplicate_problems(coerced, natural_key)
        problems.extend(dup_problems)
    bad_rows = {int(str(p["row_number"])) for p in problems}

    skip = {int(str(p["row_number"])) for p in problems if p["rule"] == "duplicate_key"}
    skip.update(collapsed)
    candidate = coerced.drop(index=sorted(skip))
    schema = _split_schema(model)
    checked: pd.DataFrame | None = None
    try:
        checked = schema.validate(candidate, lazy=True)
    except pa.errors.SchemaErrors as exc:
        found = _check_problems(exc)
        problems.extend(found)
        bad_rows.update(int(str(p["row_number"])) for p in found)
    if checked is not None and not (bad_rows | skip):
        good = checked  # every row passed: the validated frame is the one to keep
    else:
        good = schema.validate(coerced.drop(index=sorted(bad_rows | set(collapsed))), lazy=False)

    quarantine = _quarantine_rows(problems, frame, table_name, source, payload_path, now)
    return ValidationResult(
        good=good.reset_index(drop=True), quarantine=quarantine, collapsed=len(collapsed)
    )


@functools.cache
def _split_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """The model's schema as split_valid applies it: every rule, text columns not type-checked
    value by value (`_coerce` made every present value text, so that check cannot fail)."""
    schema = copy.deepcopy(model.to_schema())
    text = [name for name, column in schema.columns.items() if str(column.dtype) == "str"]
    return schema.update_columns({name: {"dtype": None} for name in text})


@functools.cache
def _empty_good(
    model: type[pa.DataFrameModel], columns: tuple[tuple[str, str], ...]
) -> pd.DataFrame:
    """What split_valid keeps of an empty frame with these columns and dtypes (computed once)."""
    empty = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns})
    coerced, _ = _coerce(empty, model)
    return model.validate(coerced, lazy=False).reset_index(drop=True)


def _quarantine_rows(
    problems: list[dict[str, object]],
    frame: pd.DataFrame,
    table_name: str,
    source: str,
    payload_path: str | None,
    now: pd.Timestamp,
) -> pd.DataFrame:
    """Quarantine rows of the problems found in `frame`: one per row and field, with the row."""
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
    return quarantine


# How many offending natural keys (and values) a contract violation names per broken rule.
SHOWN_KEYS = 5


class UnregisteredTableError(LookupError):
    """A write to a table that has no contract in contracts.registry.TABLES."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(
            f"table {table!r} has no contract: add a pandera DataFrameModel for it in contracts/ "
            f"and register it in contracts/registry.py TABLES (name, natural key, date column) "
            f"before writing it"
        )


@dataclass(frozen=True)
class RuleFailure:
    """One broken rule of a write: the check, where it looked, how many rows, the first keys."""

    check: str
    column: str
    n_rows: int
    keys: tuple[str, ...]
    values: tuple[str, ...]

    def describe(self) -> str:
        """One line: 'check [column]: n rows, e.g. (key=..., ...); values ...'."""
        text = f"{self.check} [{self.column}]"
        if self.n_rows:
            text += f": {self.n_rows} row{'s' if self.n_rows != 1 else ''}"
        if self.keys:
            text += ", first keys " + "; ".join(self.keys)
        if self.values:
            text += ", values " + ", ".join(self.values)
        return text


class ContractViolation(ValueError):
    """A derived table about to be written breaks its contract: a bug upstream, not bad input."""

    def __init__(self, table: str, failures: list[RuleFailure]) -> None:
        self.table = table
        self.failures = failures
        lines = [f"{table}: {len(failures)} contract rule(s) broken, nothing written"]
        lines += [f"  - {f.describe()}" for f in failures]
        super().__init__("\n".join(lines))


@functools.cache
def _write_schema(table: str) -> pa.DataFrameSchema:
    """The table's contract as checked before a write: same rules, registered key unique, faster.

    Two changes keep it fast without changing what passes: text columns are neither coerced nor
    type-checked value by value (coercing anything to text always succeeds, so that check cannot
    fail; the column's own rules still run), and row-level checks skip pandera's scan for
    all-missing rows (each rule says how it treats missing values).
    """
    spec = TABLES[table]
    schema = copy.deepcopy(spec.contract.to_schema())
    text = [name for name, column in schema.columns.items() if str(column.dtype) == "str"]
    schema = schema.update_columns({name: {"dtype": None} for name in text})
    for check in schema.checks:
        check.ignore_na = False
    schema.unique = list(spec.natural_key)
    schema.report_duplicates = "all"
    return schema


@functools.cache
def _coercion_schema(model: type[pa.DataFrameModel]) -> tuple[pa.DataFrameSchema, tuple[str, ...]]:
    """The model's schema without its checks and text dtypes, and the names of its text columns."""
    schema = copy.deepcopy(model.to_schema())
    text = tuple(name for name, column in schema.columns.items() if str(column.dtype) == "str")
    schema = schema.update_columns(
        {
            name: {"dtype": None if name in text else column.dtype, "checks": []}
            for name, column in schema.columns.items()
        }
    )
    schema.checks = []
    schema.unique = None
    for column in schema.columns.values():
        column.nullable = True
        column.unique = False
    return schema, text


def coerce_to_contract(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as `model.validate(frame)` returns it when it passes: columns coerced to the
    contract's types and, for a filtering contract, columns it does not name dropped.

    Checks no rule (the write checks them: `check_write`). Text columns are coerced with pandera's
    own text coercion but not type-checked value by value (after that coercion every value is text
    or missing, so the check cannot fail; on 700,000 rows it took 10 s).
    """
    schema, text = _coercion_schema(model)
    to_text = pandas_engine.Engine.dtype(str)
    # A column already holding only text (or nothing) is what that coercion returns: left as is.
    todo = [
        name
        for name in text
        if name in frame.columns
        and not (
            frame[name].dtype == object
            and pd.api.types.infer_dtype(frame[name], skipna=True) in ("string", "empty")
        )
    ]
    coerced = frame.assign(**{name: to_text.coerce(frame[name]) for name in todo})
    return schema.validate(coerced)


def _text(value: object) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize() and value.tzinfo is None:
        return str(value.date())
    return str(value)


def _keys_of(frame: pd.DataFrame, rows: pd.Index, key: tuple[str, ...]) -> tuple[str, ...]:
    """'col=value, ...' of the natural key of the given rows (columns the frame lacks left out)."""
    present = [c for c in key if c in frame.columns]
    picked = frame.loc[rows, present]
    return tuple(
        "(" + ", ".join(f"{c}={_text(v)}" for c, v in zip(present, values, strict=True)) + ")"
        for values in picked.itertuples(index=False, name=None)
    )


# pandera's names of the two schema-wide rules -> the names split_valid quarantines them under.
_SCHEMA_RULES = {
    "column_in_dataframe": "missing_column",
    "multiple_fields_uniqueness": "duplicate_key",
}


def _rule_failures(
    cases: pd.DataFrame, frame: pd.DataFrame, key: tuple[str, ...]
) -> list[RuleFailure]:
    """One RuleFailure per broken rule and column; a row-level rule names 'row' and counts rows once.

    Offending values are shown for column rules only (a row-level rule reports every column).
    """
    schema_wide = cases["check"].isin(list(_SCHEMA_RULES))
    row_level = (cases["schema_context"] == "DataFrameSchema") & ~schema_wide
    where = cases["column"].astype(str).where(~row_level, "row")
    where = where.mask(cases["check"] == "multiple_fields_uniqueness", ", ".join(key))
    missing = cases["check"] == "column_in_dataframe"
    where = where.mask(missing, cases["failure_case"].astype(str))
    labelled = cases.assign(where=where, rule=cases["check"].replace(_SCHEMA_RULES))
    failures: list[RuleFailure] = []
    for (rule, column), group in labelled.groupby(["rule", "where"], sort=False):
        rows = pd.Index(group["index"].dropna().astype("int64").unique()).sort_values()
        show_values = column != "row" and not schema_wide[group.index].any()
        values = group["failure_case"].head(SHOWN_KEYS if show_values else 0)
        failures.append(
            RuleFailure(
                check=str(rule),
                column=str(column),
                n_rows=len(rows),
                keys=_keys_of(frame, rows[:SHOWN_KEYS], key),
                values=tuple(_text(v) for v in values),
            )
        )
    return failures


def check_write(table: str, frame: pd.DataFrame) -> None:
    """Check a frame against its table's contract before it is written; raise if it breaks it.

    Every rule of the contract plus the registered natural key (not null via the contract, unique
    here) is checked at once (lazily), so the error lists every broken rule. Raw tables were split
    into good and quarantined rows by `split_valid` already, so their frames pass unless that
    step was skipped. An empty frame (a write that only clears partitions) passes.
    """
    if table not in TABLES:
        raise UnregisteredTableError(table)
    if frame.empty:
        return
    data = frame.reset_index(drop=True)
    try:
        _write_schema(table).validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = _rule_failures(exc.failure_cases, data, TABLES[table].natural_key)
        raise ContractViolation(table, failures) from None
