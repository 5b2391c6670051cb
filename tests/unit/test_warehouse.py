"""The DuckDB warehouse reads column-wise and returns exactly the frame pandas.read_sql_query builds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from resources.warehouse import dispose_engines, get_engine, read_sql


@pytest.fixture()
def url(tmp_path: Path) -> Iterator[str]:
    """A DuckDB file with the column types the tables use, NULLs included."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with get_engine(url).begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE t (id BIGINT, n_null BIGINT, x DOUBLE, small INTEGER, f FLOAT, "
            "name VARCHAR, flag BOOLEAN, flag_null BOOLEAN, day TIMESTAMP, "
            "tip TIMESTAMP WITH TIME ZONE, never TIMESTAMP WITH TIME ZONE, nothing DOUBLE)"
        )
        conn.exec_driver_sql(
            "INSERT INTO t VALUES "
            "(1, 10, 1.5, 3, 0.25, 'a', true, true, '2024-01-02', '2024-01-02 19:00:00+00', NULL, NULL),"
            "(2, NULL, NULL, 4, NULL, NULL, false, NULL, '2024-01-03', NULL, NULL, NULL),"
            "(3, 30, 2.5, 5, 1.0, 'c', true, false, NULL, '2024-01-04 00:30:00+00', NULL, NULL)"
        )
    yield url
    dispose_engines()


QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("SELECT * FROM t ORDER BY id", {}),
    ("SELECT * FROM t WHERE id = :id", {"id": 2}),
    ("SELECT * FROM t WHERE 1 = 0", {}),  # no rows: every column object
    ("SELECT day, COUNT(*) AS n FROM t GROUP BY day ORDER BY day", {}),
    ("SELECT a.id, b.id FROM t a JOIN t b USING (id) ORDER BY 1", {}),  # a repeated name
    ("SELECT SUM(id) AS s, CAST(1.5 AS DECIMAL(4, 2)) AS d, CURRENT_DATE AS today FROM t", {}),
    ("SELECT COUNT(*) AS n, CAST(SUM(hash(t)::HUGEINT) AS VARCHAR) AS h FROM t", {}),
]


@pytest.mark.parametrize(("sql", "params"), QUERIES)
def test_read_sql_returns_the_frame_read_sql_query_builds(
    url: str, sql: str, params: dict[str, Any]
) -> None:
    with get_engine(url).connect() as conn:
        expected = pd.read_sql_query(sa.text(sql), conn, params=params)
    pd.testing.assert_frame_equal(read_sql(url, sql, params), expected, check_exact=True)


def test_read_sql_types_of_a_row_with_nulls(url: str) -> None:
    frame = read_sql(url, "SELECT * FROM t ORDER BY id")
    assert str(frame["tip"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["day"].dtype) == "datetime64[ns]"
    assert frame["flag_null"].tolist() == [True, None, False]  # object, as read_sql_query
    assert frame["n_null"].dtype == "float64"
    assert frame["never"].tolist() == [None, None, None]
    assert frame["name"].tolist() == ["a", None, "c"]
