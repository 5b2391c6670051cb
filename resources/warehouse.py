"""The warehouse: SQLAlchemy to DuckDB (embedded) or BigQuery. Every write replaces a partition."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

_ENGINES: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    """One engine per URL per process (engines are never passed between tasks)."""
    if url not in _ENGINES:
        if url.startswith("duckdb:///"):
            Path(url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
        _ENGINES[url] = sa.create_engine(url)
    return _ENGINES[url]


def dispose_engines() -> None:
    """Close every engine and its pooled connections (releases the DuckDB file lock)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def _is_duckdb(conn: Connection) -> bool:
    return conn.dialect.name == "duckdb"


def table_exists(url: str, table: str) -> bool:
    """True when the table exists in the warehouse."""
    return sa.inspect(get_engine(url)).has_table(table)


def read_sql(url: str, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a query and return a DataFrame."""
    with get_engine(url).connect() as conn:
        return pd.read_sql_query(sa.text(sql), conn, params=params or {})


def read_table(
    url: str, table: str, where: str = "", params: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Read a table (optionally filtered); an absent table reads as an empty frame."""
    if not table_exists(url, table):
        return pd.DataFrame()
    sql = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "")
    return read_sql(url, sql, params)


def _duck_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "TIMESTAMPTZ"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "TIMESTAMP"
    return "VARCHAR"


def _ensure_table_duckdb(conn: Connection, table: str, df: pd.DataFrame) -> None:
    """Create the table from the frame's columns, or add columns the frame has and it lacks."""
    existing = conn.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", (table,)
    ).fetchall()
    if not existing:
        cols = ", ".join(f'"{c}" {_duck_type(df[c])}' for c in df.columns)
        conn.exec_driver_sql(f'CREATE TABLE IF NOT EXISTS "{table}" ({cols})')
        return
    have = {row[0] for row in existing}
    for c in df.columns:
        if c not in have:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD COLUMN "{c}" {_duck_type(df[c])}')


def _insert_duckdb(conn: Connection, table: str, df: pd.DataFrame) -> None:
    raw: Any = conn.connection.driver_connection
    view = f"_incoming_{table}"
    raw.register(view, df)
    try:
        cols = ", ".join(f'"{c}"' for c in df.columns)
        conn.exec_driver_sql(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{view}"')
    finally:
        raw.unregister(view)


def replace_partition(
    url: str,
    table: str,
    df: pd.DataFrame,
    partition_column: str,
    partition_values: Sequence[Any],
) -> int:
    """Delete the given partition values and insert `df`, in one transaction. Returns rows written.

    `partition_values` may hold values that `df` has no rows for: those partitions end up empty,
    which is how a re-run of a date with fewer rows removes stale ones.
    """
    values = list(dict.fromkeys(partition_values))
    with get_engine(url).begin() as conn:
        if _is_duckdb(conn):
            if df.empty and not sa.inspect(conn).has_table(table):
                return 0  # nothing to delete, nothing to write
            _ensure_table_duckdb(conn, table, df)
            if values:
                keys = pd.DataFrame({"_v": values})
                if partition_column in df.columns:
                    keys["_v"] = keys["_v"].astype(df[partition_column].dtype)
                raw: Any = conn.connection.driver_connection
                raw.register("_partition_keys", keys)
                try:
                    conn.exec_driver_sql(
                        f'DELETE FROM "{table}" WHERE "{partition_column}" IN (SELECT _v FROM _partition_keys)'
                    )
                finally:
                    raw.unregister("_partition_keys")
            if len(df):
                _insert_duckdb(conn, table, df)
        else:
            if sa.inspect(conn).has_table(table) and values:
                stmt = sa.text(f"DELETE FROM {table} WHERE {partition_column} IN :vals").bindparams(
                    sa.bindparam("vals", expanding=True)
                )
                conn.execute(stmt, {"vals": values})
            if len(df):
                df.to_sql(table, conn, if_exists="append", index=False, chunksize=10_000)
    return len(df)


def upsert(url: str, table: str, df: pd.DataFrame, key: Sequence[str]) -> int:
    """Replace rows whose natural key appears in `df`, then insert `df`, in one transaction."""
    if df.empty:
        return 0
    key = list(key)
    with get_engine(url).begin() as conn:
        if _is_duckdb(conn):
            _ensure_table_duckdb(conn, table, df)
            raw: Any = conn.connection.driver_connection
            raw.register("_upsert_keys", df[key].drop_duplicates())
            try:
                cond = " AND ".join(f't."{k}" IS NOT DISTINCT FROM k."{k}"' for k in key)
                conn.exec_driver_sql(
                    f'DELETE FROM "{table}" t WHERE EXISTS (SELECT 1 FROM _upsert_keys k WHERE {cond})'
                )
            finally:
                raw.unregister("_upsert_keys")
            _insert_duckdb(conn, table, df)
        else:
            staging = f"{table}__staging"
            df[key].drop_duplicates().to_sql(staging, conn, if_exists="replace", index=False)
            if sa.inspect(conn).has_table(table):
                cond = " AND ".join(f"t.{k} = s.{k}" for k in key)
                conn.execute(
                    sa.text(
                        f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {staging} s WHERE {cond})"
                    )
                )
            conn.execute(sa.text(f"DROP TABLE {staging}"))
            df.to_sql(table, conn, if_exists="append", index=False, chunksize=10_000)
    return len(df)


def append(url: str, table: str, df: pd.DataFrame) -> int:
    """Append rows (only for logs such as quarantine, whose rows are facts about a load)."""
    if df.empty:
        return 0
    with get_engine(url).begin() as conn:
        if _is_duckdb(conn):
            _ensure_table_duckdb(conn, table, df)
            _insert_duckdb(conn, table, df)
        else:
            df.to_sql(table, conn, if_exists="append", index=False)
    return len(df)
