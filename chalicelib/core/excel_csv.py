"""The one CSV writer of the app: files that German Excel opens as they are, and that cannot run formulas.

Semicolon separators, decimal comma, UTF-8 with BOM, CRLF line ends. Cells are text (`str`) or numbers made by
`whole`, `decimal` and `euros`: every text cell is guarded, so a shop called "=HYPERLINK(...)" or a zone
"+49 ..." is shown, never evaluated (OWASP "CSV injection"); numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Number(str):
    """A cell already written as a German number (or empty): not formula-guarded."""


def whole(value: int | None) -> Number:
    return Number("" if value is None else str(int(value)))


def decimal(value: float | int | None, places: int = 2) -> Number:
    """Decimal comma, no grouping (Excel reads it in a German locale); None is an empty cell."""
    if value is None:
        return Number("")
    return Number(f"{value:.{places}f}".replace(".", ","))


def euros(cents: int) -> Number:
    """Exact integer cents as euros: 211000 -> "2110,00", -661 -> "-6,61" (no float on the way)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return Number(f"{sign}{cents // 100},{cents % 100:02d}")


def text_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def document(rows: Iterable[Iterable[str]]) -> str:
    """The whole file as text, BOM first; encode as UTF-8 to send or save it."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell if isinstance(cell, Number) else text_cell(str(cell)) for cell in row])
    return BOM + buffer.getvalue()
