"""What a data file must be before a reader maps it: a UTF-8 CSV (plain or gzip) with rows, in a known layout.

Anything else raises InputFileError naming the file, what was expected and what was found. Only a
whole file that cannot be used fails here; single bad rows (a date that does not parse among good
ones) go on to the contracts, which quarantine them with the rule.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from resources.sources.base import InputFileError

GZIP_MAGIC = b"\x1f\x8b"
# Leading bytes of binary formats a data file is most often confused with.
BINARY_MAGIC: dict[bytes, str] = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook is one)",
    b"PAR1": "a Parquet file",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"SQLite format 3": "an SQLite database",
}
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "pipes"}
SNIPPET = 60


@dataclass(frozen=True)
class Layout:
    """One column layout a reader accepts: the columns it needs and the ones that carry its dates."""

    name: str
    required: frozenset[str]
    date_columns: tuple[str, ...]
    # Columns that mean the file is of another kind, and what that kind is.
    excluded: frozenset[str] = frozenset()
    excluded_means: str = ""


def _snippet(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return repr(first[:SNIPPET] + ("..." if len(first) > SNIPPET else ""))


def file_bytes(path: Path, what: str) -> bytes:
    """The file's content, gunzipped when it is gzip (by its bytes, whatever its name says)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, what, f"a file that cannot be read ({exc.strerror})") from None
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputFileError(
            path, f"{what}, gzip-compressed and complete", f"a truncated or corrupt gzip ({exc})"
        ) from None


def _is_utf16(data: bytes) -> bool:
    """UTF-16 text: a byte-order mark, or ASCII with a zero byte after every character."""
    head = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return len(head) >= 8 and head[1::2].count(0) > len(head) // 4 and not head[0::2].count(0)


def _binary_kind(data: bytes) -> str | None:
    """What binary content is, or None when it may be text."""
    for magic, kind in BINARY_MAGIC.items():
        if data.startswith(magic):
            return kind
    return "binary data" if b"\x00" in data[:4096] else None


def text_of(path: Path, data: bytes, what: str) -> str:
    """The content as text: UTF-8 (a BOM is allowed), not empty, not binary, not HTML or JSON."""
    if not data.strip():
        raise InputFileError(path, what, "an empty file" if not data else "only blank lines")
    if _is_utf16(data):
        raise InputFileError(path, f"{what}, UTF-8 encoded", "UTF-16 text")
    kind = _binary_kind(data)
    if kind:
        raise InputFileError(path, what, f"{kind}, not a CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            path,
            f"{what}, UTF-8 encoded",
            f"byte 0x{data[exc.start]:02x} on line {line} that is not UTF-8 "
            "(saved as Latin-1 or Windows-1252?)",
        ) from None
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in start:
        raise InputFileError(path, what, f"an HTML page, not a CSV ({_snippet(text)})")
    if start.startswith("<"):
        raise InputFileError(path, what, f"XML or markup, not a CSV ({_snippet(text)})")
    if start.startswith(("{", "[")):
        raise InputFileError(path, what, f"JSON, not a CSV ({_snippet(text)})")
    return text


def _check_delimiter(path: Path, text: str, what: str) -> None:
    """The header line is comma-separated."""
    header = text.lstrip().splitlines()[0]
    if "," in header:
        return
    for delimiter, name in OTHER_DELIMITERS.items():
        if delimiter in header:
            raise InputFileError(
                path, f"{what}, comma-separated", f"{name} between the columns ({_snippet(header)})"
            )
    raise InputFileError(path, what, f"no comma in the first line, not a CSV ({_snippet(header)})")


def read_csv_checked(
    path: Path, what: str, dtype: Mapping[Hashable, type[str]] | None = None
) -> pd.DataFrame:
    """The file as a frame of strings/numbers, or InputFileError saying why it is not a usable CSV."""
    text = text_of(path, file_bytes(path, what), what)
    _check_delimiter(path, text, what)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=dtype)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = str(exc).strip().replace("\n", " ")
        raise InputFileError(path, what, f"malformed CSV ({detail})") from None
    if frame.empty:
        raise InputFileError(
            path, f"{what} with data rows", f"only a header line ({len(frame.columns)} columns)"
        )
    return frame


def match_layout(path: Path, frame: pd.DataFrame, layouts: Sequence[Layout], what: str) -> Layout:
    """The first layout whose columns the frame has, or InputFileError listing what is missing."""
    columns = set(map(str, frame.columns))
    for layout in layouts:
        if layout.required <= columns:
            if layout.excluded & columns:
                raise InputFileError(
                    path,
                    what,
                    f"columns {', '.join(sorted(layout.excluded & columns))}: "
                    f"{layout.excluded_means}, not a {layout.name}",
                )
            return layout
    nearest = max(layouts, key=lambda lay: len(lay.required & columns))
    found = ", ".join(sorted(columns)[:12]) + (", ..." if len(columns) > 12 else "")
    if not nearest.required & columns:
        expected = "; or ".join(
            f"{lay.name} columns ({', '.join(sorted(lay.required))})" for lay in layouts
        )
        raise InputFileError(path, f"{what} with {expected}", f"columns {found}")
    missing = ", ".join(sorted(nearest.required - columns))
    raise InputFileError(
        path,
        f"{what} ({nearest.name} layout)",
        f"missing columns {missing} (has {found})",
    )


def require_dates(
    path: Path, source: pd.DataFrame, dates: pd.Series, layout: Layout, what: str
) -> None:
    """Some rows have a parseable date: a file where none does is unusable (some: rows quarantined)."""
    if dates.empty or dates.notna().any():
        return
    column = layout.date_columns[0]
    values = source[column].dropna().astype(str).unique()[:3].tolist() if column in source else []
    found = (
        f"no date that parses in any of its {len(source)} rows (e.g. {', '.join(map(repr, values))})"
        if values
        else "the column empty"
    )
    raise InputFileError(path, f"{what} with dates in {' / '.join(layout.date_columns)}", found)
