"""The warehouse: SQLAlchemy to DuckDB (embedded) or BigQuery. Every write replaces a partition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from resources.settings import Settings

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
    if url.startswith("bigquery://"):
        from resources import bigquery_warehouse

        return bigquery_warehouse.table_exists(url, table)
    return sa.inspect(get_engine(url)).has_table(table)


# DuckDB result types the columnar fetch (`_duckdb_frame`) turns into exactly the frame
# pandas.read_sql_query builds row by row; a result with any other type takes the row path.
_COLUMNAR_TYPES = frozenset(
    {
        "BOOLEAN",
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "FLOAT",
        "DOUBLE",
        "VARCHAR",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
    }
)


def _as_read_sql_column(column: pd.Series) -> pd.Series:
    """One column of DuckDB's columnar fetch with the dtype and values read_sql_query gives it.

    read_sql_query builds columns from Python objects: an all-NULL column stays object (None);
    integers with NULLs become float64; booleans with NULLs stay object; timestamps are ns (tz
    UTC); VARCHAR is object with None.
    """
    missing = column.isna()
    if missing.all():
        return pd.Series([None] * len(column), index=column.index, dtype=object, name=column.name)
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return pd.Series(column.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"))
    if pd.api.types.is_datetime64_dtype(dtype):
        return column.astype("datetime64[ns]")
    if pd.api.types.is_bool_dtype(dtype) and not missing.any():
        return column.astype(bool)
    if pd.api.types.is_integer_dtype(dtype):
        return column.astype("float64") if missing.any() else column.astype("int64")
    if pd.api.types.is_float_dtype(dtype):
        return column.astype("float64")
    values = column.astype(object)  # text, and booleans with NULLs: None where missing
    values[missing] = None
    return values


def _duckdb_frame(conn: Connection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """A DuckDB query fetched column-wise (DuckDB's own DataFrame conversion, ~30x faster than
    read_sql_query's row by row build) and normalised to the frame read_sql_query returns."""
    result = conn.execute(sa.text(sql), params)
    cursor: Any = result.cursor
    description = cursor.description or []
    if not all(str(column[1]) in _COLUMNAR_TYPES for column in description):
        result.close()
        return pd.read_sql_query(sa.text(sql), conn, params=params)
    frame: pd.DataFrame = cursor.df()
    result.close()
    frame.columns = [column[0] for column in description]  # DuckDB renames repeated names
    if frame.empty:  # read_sql_query: the columns, all object
        return pd.DataFrame(frame.astype(object))
    columns = [_as_read_sql_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    out = pd.concat(columns, axis=1)
    out.columns = frame.columns
    return out


def read_sql(url: str, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run a query and return a DataFrame (DuckDB: fetched column-wise, same frame as read_sql_query)."""
    if url.startswith("bigquery://"):
        from resources import bigquery_warehouse

        return bigquery_warehouse.read_sql(url, sql, params)
    with get_engine(url).connect() as conn:
        if _is_duckdb(conn):
            return _duckdb_frame(conn, sql, params or {})
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


def check_write(table: str, frame: pd.DataFrame) -> None:
    """The table's contract, applied before a write (contracts.validate owns the rules)."""
    from contracts.validate import check_write as contract_check

    contract_check(table, frame)


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
    if url.startswith("bigquery://"):
        from resources import bigquery_warehouse

        return bigquery_warehouse.replace_partition(
            url, table, df, partition_column, partition_values
        )
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
    if url.startswith("bigquery://"):
        from resources import bigquery_warehouse

        return bigquery_warehouse.upsert(url, table, df, key)
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
    if url.startswith("bigquery://"):
        from resources import bigquery_warehouse

        return bigquery_warehouse.append(url, table, df)
    if df.empty:
        return 0
    with get_engine(url).begin() as conn:
        if _is_duckdb(conn):
            _ensure_table_duckdb(conn, table, df)
            _insert_duckdb(conn, table, df)
        else:
            df.to_sql(table, conn, if_exists="append", index=False)
    return len(df)


def empty_table(table: str) -> pd.DataFrame:
    """An empty frame with the table's contract columns (`game_date` as a date), or no columns."""
    from contracts.registry import TABLES

    if table not in TABLES:
        return pd.DataFrame()
    columns = list(TABLES[table].contract.to_schema().columns)
    return pd.DataFrame(
        {c: pd.Series(dtype="datetime64[ns]" if c == "game_date" else object) for c in columns}
    )


def fingerprint_sql(url: str, table: str, where: str) -> str:
    """SELECT n (rows) and h (an order-independent checksum of the rows) for the dialect of `url`."""
    if url.startswith("bigquery://"):
        return (
            f"SELECT COUNT(*) AS n, CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(t))) AS STRING) AS h "
            f"FROM {table} t{where}"
        )
    return (
        f"SELECT COUNT(*) AS n, CAST(SUM(hash(t)::HUGEINT) AS VARCHAR) AS h FROM {table} t{where}"
    )


def sql_value(value: Any) -> Any:
    """A Python value the database drivers bind: dates and Timestamps become naive datetimes."""
    if isinstance(value, pd.Timestamp | date):
        return pd.Timestamp(value).to_pydatetime()
    return value


@dataclass(frozen=True)
class Warehouse:
    """The warehouse of one settings object: named reads and partition writes, no SQL in callers.

    Built once per task (`Warehouse.from_settings(settings)`); it holds only the URL, the engine
    stays in this module's per-process cache. Every write is checked against the table's contract
    (`contracts.validate.check_write`) before anything is deleted.
    """

    url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        """The warehouse the settings point at (DuckDB file by default, BigQuery in production)."""
        return cls(settings.resolved_warehouse_url)

    def exists(self, table: str) -> bool:
        """True when the table exists."""
        return table_exists(self.url, table)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a read-only query (for reads no named method covers); values bound, never pasted."""
        return read_sql(self.url, sql, {k: sql_value(v) for k, v in (params or {}).items()})

    def _read(
        self,
        table: str,
        where: list[str],
        params: dict[str, Any],
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        if not self.exists(table):
            empty = empty_table(table)
            return empty[list(columns)] if columns and set(columns) <= set(empty) else empty
        selected = ", ".join(columns) if columns else "*"
        sql = f"SELECT {selected} FROM {table}" + (" WHERE " + " AND ".join(where) if where else "")
        return self.query(sql, params)

    @staticmethod
    def _equals(filters: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        where = [f"{column} = :eq_{column}" for column in filters]
        return where, {f"eq_{column}": value for column, value in filters.items()}

    def read_all(
        self, table: str, columns: Sequence[str] | None = None, **equals: Any
    ) -> pd.DataFrame:
        """The whole table (optionally where column = value); an absent table reads as empty."""
        where, params = self._equals(equals)
        return self._read(table, where, params, columns)

    def read_dates(
        self,
        table: str,
        dates: Sequence[Any],
        column: str = "game_date",
        columns: Sequence[str] | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Rows whose `column` is one of `dates` (optionally where column = value)."""
        if not dates:
            return self._read(table, ["1 = 0"], {}, columns)
        names = {f"d{i}": d for i, d in enumerate(dict.fromkeys(dates))}
        where, params = self._equals(equals)
        where.insert(0, f"{column} IN (" + ", ".join(f":{n}" for n in names) + ")")
        return self._read(table, where, {**names, **params}, columns)

    def read_window(
        self,
        table: str,
        start: Any,
        end: Any,
        column: str = "game_date",
        columns: Sequence[str] | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Rows with start <= `column` <= end (both inclusive; None leaves that side open)."""
        where, params = self._equals(equals)
        bounds, values = self._between(column, start, end)
        return self._read(table, where + bounds, {**params, **values}, columns)

    @staticmethod
    def _between(column: str, start: Any, end: Any) -> tuple[list[str], dict[str, Any]]:
        """WHERE parts and parameters of start <= column <= end (None leaves that side open)."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if start is not None:
            where.append(f"{column} >= :start")
            params["start"] = start
        if end is not None:
            where.append(f"{column} <= :end")
            params["end"] = end
        return where, params

    def read_before(self, table: str, day: Any, column: str = "game_date") -> pd.DataFrame:
        """Rows strictly before `day` (every game that ended before it: point in time)."""
        return self._read(table, [f"{column} < :before"], {"before": day})

    def distinct_dates(
        self, table: str, start: Any = None, end: Any = None, column: str = "game_date"
    ) -> list[pd.Timestamp]:
        """The distinct values of a date column (within [start, end] when given), sorted."""
        if not self.exists(table):
            return []
        where, params = self._between(column, start, end)
        sql = f"SELECT DISTINCT {column} AS d FROM {table}"
        frame = self.query(sql + (" WHERE " + " AND ".join(where) if where else ""), params)
        return sorted(pd.to_datetime(frame["d"]).dt.normalize().unique())

    def fingerprint(
        self,
        table: str,
        dates: Sequence[Any] | None = None,
        before: Any = None,
        column: str = "game_date",
    ) -> str:
        """Row count and content checksum of a table's rows (those of `dates`, or before `before`).

        The data version a cache key is built from: any changed, added or removed row changes it.
        DuckDB hashes each row (`hash(t)` of the row struct) and sums; an absent table is "absent".
        """
        if not self.exists(table):
            return f"{table}:absent"
        where: list[str] = []
        params: dict[str, Any] = {}
        if dates is not None:
            names = {f"d{i}": d for i, d in enumerate(dict.fromkeys(dates))} or {"d0": None}
            where.append(f"{column} IN (" + ", ".join(f":{n}" for n in names) + ")")
            params.update(names)
        if before is not None:
            where.append(f"{column} < :before")
            params["before"] = before
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        sql = fingerprint_sql(self.url, table, clause)
        row = self.query(sql, params).iloc[0]
        return f"{table}:{int(row['n'])}:{row['h']}"

    def count_by_date(
        self, table: str, start: Any, end: Any, distinct: str = "*", column: str = "game_date"
    ) -> pd.DataFrame:
        """Rows (or distinct values of `distinct`) per date in [start, end]: columns game_date, n."""
        if not self.exists(table):
            return pd.DataFrame({"game_date": pd.Series(dtype="datetime64[ns]"), "n": []})
        counted = "*" if distinct == "*" else f"DISTINCT {distinct}"
        sql = (
            f"SELECT {column} AS game_date, COUNT({counted}) AS n FROM {table} "
            f"WHERE {column} >= :start AND {column} <= :end GROUP BY {column}"
        )
        return self.query(sql, {"start": start, "end": end})

    def replace_dates(self, table: str, frame: pd.DataFrame, dates: Sequence[Any]) -> int:
        """Replace the `game_date` partitions of `dates` with `frame` (dates without rows end empty)."""
        return self.replace_partition(table, frame, "game_date", [pd.Timestamp(d) for d in dates])

    def replace_partition(
        self, table: str, frame: pd.DataFrame, column: str, values: Sequence[Any]
    ) -> int:
        """Check the contract, then replace the partitions in one transaction; rows written."""
        check_write(table, frame)
        return replace_partition(self.url, table, frame, column, values)

    def upsert(self, table: str, frame: pd.DataFrame, key: Sequence[str]) -> int:
        """Check the contract, then replace rows by natural key in one transaction."""
        check_write(table, frame)
        return upsert(self.url, table, frame, key)

    def append(self, table: str, frame: pd.DataFrame) -> int:
        """Check the contract, then append (logs such as quarantine only)."""
        check_write(table, frame)
        return append(self.url, table, frame)
