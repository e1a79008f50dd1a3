"""Both hystreet-style layouts parsed from small real-layout samples: encodings, gaps, shifted columns, DST."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.footfall import hystreet_csv

SAMPLES = Path(__file__).parent / "samples"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_german_export_latin1_with_gaps_shifted_column_and_dst() -> None:
    parsed = hystreet_csv.parse((SAMPLES / "hystreet_export_latin1.csv").read_bytes())
    assert (parsed.format, parsed.encoding) == ("hystreet_de", "latin-1")
    loc = parsed.locations["Münsterstraße, Billerbeck"]
    assert (loc.ltr_label, loc.rtl_label) == ("Markt", "Bahnhof")
    got = {r.start: (r.count, r.ltr_count, r.rtl_count, r.adult_count, r.child_count) for r in loc.rows}
    assert got == {
        utc(2026, 5, 4, 8): (120, 70, 50, 110, 10),
        utc(2026, 5, 4, 9): (0, 0, 0, 0, 0),  # a zero with weather is a real, quiet hour
        utc(2026, 5, 4, 11): (1250, 650, 600, 1200, 50),  # unheaded empty column re-aligned, German grouping
        utc(2026, 5, 4, 12): (80, 45, 35, 80, 0),  # trailing empty columns ignored
        utc(2026, 10, 24, 23): (11, 5, 6, 11, 0),
        utc(2026, 10, 25, 0): (7, 3, 4, 7, 0),  # 02:00 CEST
        utc(2026, 10, 25, 1): (5, 2, 3, 5, 0),  # 02:00 CET, the hour that happens twice
        utc(2026, 10, 25, 2): (4, 2, 2, 4, 0),
    }
    # two leading zero hours (before the sensor existed), one empty row, one zero without weather: gaps
    assert loc.gaps == 4
    assert parsed.refused == [{"line": 14, "reasons": ["unreadable time of measurement"]}]


def test_same_file_in_utf8_with_bom_reads_the_same() -> None:
    latin = (SAMPLES / "hystreet_export_latin1.csv").read_bytes()
    utf8 = b"\xef\xbb\xbf" + latin.decode("latin-1").encode("utf-8")
    a, b = hystreet_csv.parse(latin), hystreet_csv.parse(utf8)
    assert b.encoding == "utf-8"
    assert a.locations["Münsterstraße, Billerbeck"].rows == b.locations["Münsterstraße, Billerbeck"].rows


def test_flattened_form_with_gaps_and_two_locations() -> None:
    parsed = hystreet_csv.parse((SAMPLES / "flattened_utf8.csv").read_bytes())
    assert (parsed.format, parsed.encoding) == ("flattened", "utf-8")
    south, north = parsed.locations["101"], parsed.locations["102"]
    assert (south.name, south.ltr_label, south.rtl_label) == ("Markt Süd", "Kirche", "Rathaus")
    assert [(r.start, r.count, r.ltr_count, r.adult_count) for r in south.rows] == [
        (utc(2026, 5, 4, 7), 30, 10, None), (utc(2026, 5, 4, 9), 44, 20, 40)]
    assert south.gaps == 2  # leading zero and the empty hour
    assert [(r.start, r.count) for r in north.rows] == [(utc(2026, 5, 4, 7), 15)]
    assert parsed.refused == [{"line": 7, "reasons": ["a count is not a whole number"]}]


def test_local_times_without_offset_tell_the_repeated_october_hour_by_order() -> None:
    text = ("Lage;Zeitpunkt der Messung;Fußgänger insgesamt\n"
            "A;25.10.2026 01:00;10\nA;25.10.2026 02:00;20\nA;25.10.2026 02:00;30\nA;25.10.2026 03:00;40\n"
            "A;29.03.2026 02:00;50\n")
    parsed = hystreet_csv.parse(text.encode("utf-8"))
    assert [(r.start, r.count) for r in parsed.locations["A"].rows] == [
        (utc(2026, 10, 24, 23), 10), (utc(2026, 10, 25, 0), 20), (utc(2026, 10, 25, 1), 30),
        (utc(2026, 10, 25, 2), 40)]
    assert parsed.refused == [{"line": 6, "reasons": ["unreadable time of measurement"]}]  # no 02:00 in March


def test_unknown_layout_is_refused() -> None:
    with pytest.raises(hystreet_csv.FormatError):
        hystreet_csv.parse(b"a;b;c\n1;2;3\n")
    with pytest.raises(hystreet_csv.FormatError):
        hystreet_csv.parse(b"")


def test_flattened_with_location_first_and_semicolons() -> None:
    text = ("location_id;timestamp;pedestrians_count;ltr_pedestrians_count;rtl_pedestrians_count\n"
            "7;2026-05-04T10:00:00+02:00;9;4;5\n")
    parsed = hystreet_csv.parse(text.encode("utf-8"))
    assert [(r.location, r.start, r.count, r.rtl_count) for r in parsed.locations["7"].rows] == [
        ("7", utc(2026, 5, 4, 8), 9, 5)]
