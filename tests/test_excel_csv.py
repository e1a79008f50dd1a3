"""The one Excel-CSV writer: every CSV the app produces goes through it (no I/O here)."""

from __future__ import annotations

from pathlib import Path

from chalicelib.core.excel_csv import decimal, document, euros, whole
from chalicelib.footfall.csv_export import heatmap_csv

ROOT = Path(__file__).resolve().parents[1]


def test_format_german_excel() -> None:
    text = document([["Zone", "Summe"], ["Markt; Süd", euros(-661)], ["x", decimal(2.25, 1)], ["y", whole(None)]])
    assert text.startswith("\ufeffZone;Summe\r\n")
    assert text.split("\r\n")[1:4] == ['"Markt; Süd";-6,61', "x;2,2", "y;"]


def test_every_text_cell_is_guarded_and_numbers_are_not() -> None:
    text = document([["=1+1", "+49 2543", "-x", "@SUM(A1)", "\tTab", euros(-5), whole(-3)]])
    assert text == "\ufeff'=1+1;'+49 2543;'-x;'@SUM(A1);'\tTab;-0,05;-3\r\n"


def test_the_footfall_heatmap_guards_a_zone_name() -> None:
    stats = {"zones": [{"name": "=HYPERLINK(\"http://evil\")", "values": [[1.0] * 24] * 7}]}
    line = heatmap_csv(stats).split("\r\n")[1]
    assert line.startswith("\"'=HYPERLINK(\"\"http://evil\"\")\";Montag;1,0;")


def test_no_other_csv_writer_in_the_app() -> None:
    writers = [p.relative_to(ROOT).as_posix() for p in (ROOT / "chalicelib").rglob("*.py")
               if "csv.writer(" in p.read_text(encoding="utf-8") or 'BOM = "' in p.read_text(encoding="utf-8")]
    assert writers == ["chalicelib/core/excel_csv.py"]
