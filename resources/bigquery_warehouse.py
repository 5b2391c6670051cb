"""The BigQuery warehouse: each write is one load job and one transaction, whatever the row count.

A write loads the frame (Parquet, explicit schema) into a staging table of its own
(`{table}__staging_{uuid}`, expiring after a day in case the drop never runs), then runs ONE
script: the `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` for columns the table lacks, then
`BEGIN TRANSACTION; DELETE ...; INSERT ... SELECT FROM staging; COMMIT TRANSACTION`. A failure
anywhere before COMMIT leaves the table as it was (BigQuery rolls back a failed transaction), and
the staging table is dropped in every case. Two jobs per write; creating, inspecting and dropping
tables are REST calls, not jobs.

Tables are created on first write, partitioned by month of their date column (`TABLES` in
contracts/registry.py) and clustered by their natural key (first four clusterable columns).
The client uses application-default credentials, or anonymous ones against
`BIGQUERY_EMULATOR_HOST` when that is set (tests, benchmarks).
"""

from __future__ import annotations

import io
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import BadRequest, NotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"
STAGING_TTL = timedelta(days=1)
MAX_CLUSTER_COLUMNS = 4
CLUSTERABLE = {"INT64", "STRING", "BOOL", "DATE", "DATETIME", "TIMESTAMP"}
TEMPORAL = {"DATE", "DATETIME", "TIMESTAMP"}
CONFLICT_ATTEMPTS = 5
CONFLICT_BACKOFF_SECONDS = 0.5  # doubled per attempt, jittered, at most 8 s
# get_table reports legacy type names; the SQL and the loads use the standard ones.
_STANDARD_TYPE = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL"}
_PARAM = re.compile(r"(?<![:\w@]):([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Dataset:
    """The project and dataset of a `bigquery://project/dataset` URL."""

    project: str
    dataset: str

    @classmethod
    def from_url(cls, url: str) -> Dataset:
        """Parse `bigquery://project/dataset` (a query string, as sqlalchemy-bigquery allows, is ignored)."""
        parsed = urlparse(url)
        dataset = parsed.path.strip("/")
        if parsed.scheme != "bigquery" or not parsed.netloc or not dataset or "/" in dataset:
            raise ValueError(f"not a bigquery://project/dataset URL: {url!r}")
        return cls(parsed.netloc, dataset)

    def table_id(self, table: str) -> str:
        """The fully qualified id `project.dataset.table`."""
        return f"{self.project}.{self.dataset}.{table}"


_CLIENTS = threading.local()


def client_for(project: str) -> bigquery.Client:
    """One client per thread and project: ADC in production, anonymous on the emulator."""
    host = os.environ.get(EMULATOR_ENV)
    key = (project, host)
    cache: dict[tuple[str, str | None], bigquery.Client] = getattr(_CLIENTS, "cache", {})
    _CLIENTS.cache = cache
    if key not in cache:
        if host:
            endpoint = host if host.startswith("http") else f"http://{host}"
            cache[key] = bigquery.Client(
                project=project,
                credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                client_options=ClientOptions(api_endpoint=endpoint),
            )
        else:
            cache[key] = bigquery.Client(project=project)
    return cache[key]


def _query_config(where: Dataset, parameters: Sequence[Any] = ()) -> bigquery.QueryJobConfig:
    # INTERACTIVE is BigQuery's default; the emulator ignores default_dataset without it.
    return bigquery.QueryJobConfig(
        default_dataset=f"{where.project}.{where.dataset}",
        priority=bigquery.QueryPriority.INTERACTIVE,
        query_parameters=list(parameters),
    )


def _run(where: Dataset, sql: str, parameters: Sequence[Any] = ()) -> bigquery.QueryJob:
    """Run one query job (a statement or a script) and wait for it."""
    job = client_for(where.project).query(sql, job_config=_query_config(where, parameters))
    job.result()
    return job


# --- reads -------------------------------------------------------------------------------------


def table_exists(url: str, table: str) -> bool:
    """True when the table exists in the dataset."""
    where = Dataset.from_url(url)
    return _get_table(where, table) is not None


def _param_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, datetime):
        return "DATETIME" if value.tzinfo is None else "TIMESTAMP"
    if isinstance(value, date):
        return "DATE"
    return "STRING"


def _param_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()  # numpy scalars
    return value


def bind_params(sql: str, params: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """SQLAlchemy-style `:name` placeholders as BigQuery `@name` parameters (typed from values).

    None becomes a literal NULL (an untyped NULL compares with any column type), a list or tuple
    an ARRAY parameter behind `IN UNNEST(@name)`.
    """
    params = params or {}
    bound: list[Any] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            return match.group(0)
        value = params[name]
        if isinstance(value, list | tuple):
            values = [_param_value(v) for v in value]
            kind = _param_type(values[0]) if values else "STRING"
            bound.append(bigquery.ArrayQueryParameter(name, kind, values))
            return f"UNNEST(@{name})"
        value = _param_value(value)
        if value is None:
            return "NULL"
        bound.append(bigquery.ScalarQueryParameter(name, _param_type(value), value))
        return f"@{name}"

    text = _PARAM.sub(replace, sql)
    unique = {p.name: p for p in bound}
    return text, list(unique.values())


def read_sql(url: str, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a query (bare table names resolve in the URL's dataset) and return a DataFrame."""
    where = Dataset.from_url(url)
    text, parameters = bind_params(sql, params)
    rows = _run(where, text, parameters).result()
    arrow = rows.to_arrow(create_bqstorage_client=False)
    frame: pd.DataFrame = arrow.to_pandas(coerce_temporal_nanoseconds=True)
    return frame


# --- schema ------------------------------------------------------------------------------------


def bq_type(series: pd.Series) -> str:
    """The BigQuery type a column of this dtype is stored as."""
    if pd.api.types.is_bool_dtype(series):
        return "BOOL"
    if pd.api.types.is_integer_dtype(series):
        return "INT64"
    if pd.api.types.is_float_dtype(series):
        return "FLOAT64"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "TIMESTAMP"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "DATETIME"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    if inferred == "boolean":
        return "BOOL"
    if inferred == "integer":
        return "INT64"
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return "FLOAT64"
    if inferred in ("datetime", "datetime64"):
        first = series.dropna().iloc[0]
        return "DATETIME" if getattr(first, "tzinfo", None) is None else "TIMESTAMP"
    if inferred == "date":
        return "DATE"
    return "STRING"


def _arrow_array(series: pd.Series, kind: str) -> pa.Array:
    """The column as an Arrow array of the type BigQuery loads into `kind`."""
    if kind == "INT64":
        return pa.array(pd.to_numeric(series).astype("Int64"), type=pa.int64(), from_pandas=True)
    if kind == "FLOAT64":
        return pa.array(
            pd.to_numeric(series).astype("float64"), type=pa.float64(), from_pandas=True
        )
    if kind == "BOOL":
        return pa.array(series.astype("boolean"), type=pa.bool_(), from_pandas=True)
    if kind == "TIMESTAMP":
        stamps = pd.to_datetime(series, utc=True)
        return pa.Array.from_pandas(stamps).cast(pa.timestamp("us", tz="UTC"), safe=False)
    if kind == "DATETIME":
        stamps = pd.to_datetime(series)
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return pa.Array.from_pandas(stamps).cast(pa.timestamp("us"), safe=False)
    if kind == "DATE":
        return pa.array(pd.to_datetime(series).dt.date, type=pa.date32(), from_pandas=True)
    if kind == "STRING":
        text = [None if _missing(v) else str(v) for v in series]
        return pa.array(text, type=pa.string())
    raise TypeError(f"column {series.name!r}: BigQuery type {kind} is not written by this module")


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False  # lists and arrays are values


def _table_types(table: bigquery.Table | None) -> dict[str, str]:
    if table is None:
        return {}
    return {f.name: _STANDARD_TYPE.get(f.field_type, f.field_type) for f in table.schema}


def frame_types(df: pd.DataFrame, existing: dict[str, str]) -> dict[str, str]:
    """Each frame column's type: the table's where it has the column, else from the dtype."""
    return {str(c): existing.get(str(c)) or bq_type(df[c]) for c in df.columns}


def _parquet(df: pd.DataFrame, types: dict[str, str]) -> io.BytesIO:
    arrays = [_arrow_array(df[c], types[str(c)]) for c in df.columns]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=[str(c) for c in df.columns]), buffer)
    buffer.seek(0)
    return buffer


def _schema(types: dict[str, str]) -> list[bigquery.SchemaField]:
    return [bigquery.SchemaField(name, kind, mode="NULLABLE") for name, kind in types.items()]


# --- tables ------------------------------------------------------------------------------------


def _get_table(where: Dataset, table: str) -> bigquery.Table | None:
    try:
        return client_for(where.project).get_table(where.table_id(table))
    except NotFound:
        return None


def table_layout(
    table: str, types: dict[str, str], date_hint: str | None, key_hint: Sequence[str]
) -> tuple[str | None, list[str]]:
    """The partition column (temporal, from the registry or the hint) and clustering columns."""
    from contracts.registry import TABLES

    spec = TABLES.get(table)
    date_column = spec.date_column if spec is not None else date_hint
    key = list(spec.natural_key) if spec is not None else list(key_hint)
    partition = date_column if date_column and types.get(date_column) in TEMPORAL else None
    cluster = [k for k in key if types.get(k) in CLUSTERABLE][:MAX_CLUSTER_COLUMNS]
    return partition, cluster


def _create_table(
    where: Dataset,
    table: str,
    types: dict[str, str],
    date_hint: str | None,
    key_hint: Sequence[str],
) -> None:
    """Create the table (partitioned, clustered), and the dataset if it is missing."""
    client = client_for(where.project)
    spec = bigquery.Table(where.table_id(table), schema=_schema(types))
    partition, cluster = table_layout(table, types, date_hint, key_hint)
    if partition:
        spec.time_partitioning = bigquery.TimePartitioning(
            type_=bigquery.TimePartitioningType.MONTH, field=partition
        )
    if cluster:
        spec.clustering_fields = cluster
    try:
        client.create_table(spec, exists_ok=True)
    except NotFound:
        client.create_dataset(f"{where.project}.{where.dataset}", exists_ok=True)
        client.create_table(spec, exists_ok=True)


def _load_staging(where: Dataset, table: str, df: pd.DataFrame, types: dict[str, str]) -> str:
    """Load the frame into a new staging table (one load job); returns its name."""
    client = client_for(where.project)
    staging = f"{table}__staging_{uuid.uuid4().hex[:12]}"
    spec = bigquery.Table(where.table_id(staging), schema=_schema(types))
    spec.expires = datetime.now(UTC) + STAGING_TTL
    client.create_table(spec)
    config = bigquery.LoadJobConfig(
        schema=_schema(types),
        source_format=bigquery.SourceFormat.PARQUET,
        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
    )
    client.load_table_from_file(
        _parquet(df, types), where.table_id(staging), job_config=config
    ).result()
    return staging


def _drop(where: Dataset, table: str) -> None:
    client_for(where.project).delete_table(where.table_id(table), not_found_ok=True)


# --- SQL ---------------------------------------------------------------------------------------


def quote(name: str) -> str:
    """A backtick-quoted identifier."""
    if "`" in name or "\\" in name:
        raise ValueError(f"unsupported identifier {name!r}")
    return f"`{name}`"


def literal(value: Any, kind: str) -> str:
    """A SQL literal of `value` as BigQuery type `kind` (partition values are pasted, not bound:
    the emulator drops query parameters in multi-statement scripts)."""
    if kind in TEMPORAL:
        stamp = pd.Timestamp(value)
        if kind == "DATE":
            return f"DATE '{stamp:%Y-%m-%d}'"
        if kind == "TIMESTAMP":
            utc = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            return f"TIMESTAMP '{utc:%Y-%m-%d %H:%M:%S.%f}+00'"
        naive = stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
        return f"DATETIME '{naive:%Y-%m-%d %H:%M:%S.%f}'"
    if kind == "BOOL":
        return "TRUE" if bool(value) else "FALSE"
    if kind == "INT64":
        return str(int(value))
    if kind == "FLOAT64":
        return repr(float(value))
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return "'" + text.replace("\r", "\\r") + "'"


def add_columns_sql(table: str, types: dict[str, str], existing: dict[str, str]) -> str:
    """`ALTER TABLE ... ADD COLUMN IF NOT EXISTS` for the frame's columns the table lacks."""
    new = [c for c in types if c not in existing]
    if not existing or not new:
        return ""
    # One statement per column: the emulator accepts one ADD COLUMN per ALTER.
    return "".join(
        f"ALTER TABLE {quote(table)} ADD COLUMN IF NOT EXISTS {quote(c)} {types[c]};\n" for c in new
    )


def transaction_sql(statements: Sequence[str]) -> str:
    """The statements in one transaction."""
    body = "".join(f"{s};\n" for s in statements)
    return f"BEGIN TRANSACTION;\n{body}COMMIT TRANSACTION;"


def insert_sql(table: str, staging: str, columns: Sequence[str]) -> str:
    """INSERT the staging table's rows into the table, by column name."""
    cols = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {quote(staging)}"


def delete_partitions_sql(table: str, column: str, values: Sequence[Any], kind: str) -> str:
    """DELETE the rows whose `column` is one of `values`."""
    listed = ", ".join(literal(v, kind) for v in values)
    return f"DELETE FROM {quote(table)} WHERE {quote(column)} IN ({listed})"


def delete_keys_sql(table: str, staging: str, key: Sequence[str]) -> str:
    """DELETE the rows whose natural key is in the staging table (NULL matches NULL)."""
    match = " AND ".join(f"t.{quote(k)} IS NOT DISTINCT FROM s.{quote(k)}" for k in key)
    return (
        f"DELETE FROM {quote(table)} AS t "
        f"WHERE EXISTS (SELECT 1 FROM {quote(staging)} AS s WHERE {match})"
    )


def commit(where: Dataset, script: str) -> None:
    """Run the write's script; a transaction aborted by a concurrent one is retried."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            _run(where, script)
            return
        except BadRequest as error:
            message = str(error).lower()
            aborted = "concurrent update" in message or "aborted due to" in message
            if not aborted or attempt == CONFLICT_ATTEMPTS:
                raise
            time.sleep(min(8.0, CONFLICT_BACKOFF_SECONDS * 2**attempt) * random.uniform(0.5, 1.0))


# --- writes ------------------------------------------------------------------------------------


def _write(
    url: str,
    table: str,
    df: pd.DataFrame,
    statements: Callable[[str, dict[str, str]], list[str]],
    date_hint: str | None = None,
    key_hint: Sequence[str] = (),
) -> int:
    """Stage the frame, then run `statements(staging, types)` in one transaction; drop staging."""
    where = Dataset.from_url(url)
    existing = _table_types(_get_table(where, table))
    types = frame_types(df, existing)
    if not existing:
        _create_table(where, table, types, date_hint, key_hint)
    staging = _load_staging(where, table, df, types)
    try:
        script = add_columns_sql(table, types, existing) + transaction_sql(
            statements(staging, {**existing, **types})
        )
        commit(where, script)
    finally:
        _drop(where, staging)
    return len(df)


def replace_partition(
    url: str,
    table: str,
    df: pd.DataFrame,
    partition_column: str,
    partition_values: Sequence[Any],
) -> int:
    """Delete the given partition values and insert `df`, in one transaction. Returns rows written."""
    values = [v for v in dict.fromkeys(partition_values) if not _missing(v)]
    if df.empty:
        where = Dataset.from_url(url)
        found = _get_table(where, table)
        if found is None or not values:
            return 0
        kind = _table_types(found).get(partition_column) or _param_type(_param_value(values[0]))
        commit(
            where, transaction_sql([delete_partitions_sql(table, partition_column, values, kind)])
        )
        return 0

    def statements(staging: str, types: dict[str, str]) -> list[str]:
        deletes = []
        if values:
            kind = types.get(partition_column) or _param_type(_param_value(values[0]))
            deletes = [delete_partitions_sql(table, partition_column, values, kind)]
        return [*deletes, insert_sql(table, staging, [str(c) for c in df.columns])]

    return _write(url, table, df, statements, date_hint=partition_column)


def upsert(url: str, table: str, df: pd.DataFrame, key: Sequence[str]) -> int:
    """Replace rows whose natural key appears in `df` (NULL matches NULL), then insert `df`."""
    if df.empty:
        return 0
    key = list(key)

    def statements(staging: str, types: dict[str, str]) -> list[str]:
        return [
            delete_keys_sql(table, staging, key),
            insert_sql(table, staging, [str(c) for c in df.columns]),
        ]

    return _write(url, table, df, statements, key_hint=key)


def append(url: str, table: str, df: pd.DataFrame) -> int:
    """Append rows (logs such as quarantine)."""
    if df.empty:
        return 0

    def statements(staging: str, types: dict[str, str]) -> list[str]:
        return [insert_sql(table, staging, [str(c) for c in df.columns])]

    return _write(url, table, df, statements)
