"""CSV for spreadsheets: the one writer behind every CSV export.

Customers' words reach exported cells (through the gap inbox into entries, survey comments
into reports). A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is run as a formula by Excel and LibreOffice (``=HYPERLINK(...)`` sends whoever clicks it
to any site), so such a cell is written with a leading apostrophe, which spreadsheets
show as text. The text starts with a UTF-8 byte order mark: without it Excel reads the
file as the local code page and shows "Thá»ƒ" instead of "Thẻ".

Usage::

    text = csv_text(["id", "answer"], [["a", "=HYPERLINK(...)"]])   # "'=HYPERLINK(...)"
    value = unescape_cell(cell)   # on import: the cell as it was before export
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet will not run; numbers and empty cells as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """Undo ``safe_cell`` on a cell read back, so an export imports unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith(BOM) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> str:
    """The whole CSV document, every cell made safe, with a BOM unless told otherwise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return (BOM if bom else "") + buffer.getvalue()
