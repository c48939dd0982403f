"""CSV output that Excel opens correctly: UTF-8 with a byte-order mark, CRLF line ends."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from examsite.fsutil import atomic_write_bytes

__all__ = ["csv_bytes", "write_csv"]

BOM = "\ufeff"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection); quote it as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The table as CSV bytes: UTF-8 with BOM (Excel otherwise reads Chinese as GBK), CRLF rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + buffer.getvalue()).encode("utf-8")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write the CSV atomically (``*.part``, fsync, rename): a half-written export never appears."""
    path = Path(path)
    atomic_write_bytes(path, csv_bytes(header, rows), mode=0o644)
    return path
