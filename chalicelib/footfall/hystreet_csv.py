"""Hystreet-style CSV files: the German web export and the flattened snake_case form. Pure: no AWS.

German web export (semicolon, Latin-1 or UTF-8):
    Lage;Zeitpunkt der Messung;Wochentag;Fußgänger insgesamt;Temperatur in ºc;Wetterlage;
    Fußgänger insgesamt Richtung <A>;Fußgänger insgesamt Richtung <B>;Erwachsene;Kinder;...
Flattened form (comma or semicolon):
    timestamp,location_id,location_name,ltr_label,rtl_label,weather_condition,temperature,pedestrians_count,
    ltr_pedestrians_count,rtl_pedestrians_count,adult_pedestrians_count,child_pedestrians_count,...

Pitfalls handled: hours before a sensor existed exported as 0 (the leading zero run of a location, and 0 rows
without weather and temperature, are gaps, not zeros); an encoding that changes between files; extra empty
columns, including the one some exports insert after "Wetterlage" without a header, which shifts every count
after it (a row is re-aligned when only the shifted reading adds up: left + right = total).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.core.clock import berlin

GERMAN, FLATTENED = "hystreet_de", "flattened"
_TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$")
_GERMAN_TIME_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})[ ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(\.\d{3})+$")


class FormatError(ValueError):
    """The file is not one of the two known layouts; the message can be shown as is."""


@dataclass(frozen=True)
class Row:
    line: int
    location: str
    start: datetime  # UTC hour start
    count: int
    ltr_count: int | None = None
    rtl_count: int | None = None
    adult_count: int | None = None
    child_count: int | None = None


@dataclass
class Location:
    location: str
    name: str
    ltr_label: str | None = None
    rtl_label: str | None = None
    rows: list[Row] = field(default_factory=list)
    gaps: int = 0


@dataclass
class ParsedFile:
    format: str
    encoding: str
    locations: dict[str, Location] = field(default_factory=dict)
    refused: list[dict[str, object]] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Latin-1 decodes any byte; the German exports that are not UTF-8 are Latin-1/Windows-1252.
        return data.decode("latin-1"), "latin-1"


def _norm(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().strip('"').lower().split())


def _int(value: str) -> int | None:
    """A count as exported: '' is no value; '1.234' is German thousands grouping. Raises ValueError."""
    value = value.strip().replace("\u00a0", "").replace(" ", "")
    if value == "":
        return None
    if _THOUSANDS_RE.match(value):
        value = value.replace(".", "")
    if value.endswith(".0"):
        value = value[:-2]
    number = int(value)
    if number < 0:
        raise ValueError("negative")
    return number


class _Clock:
    """Local times without an offset: the October hour that occurs twice is told apart by order of appearance."""

    def __init__(self) -> None:
        self.seen: dict[str, set[datetime]] = defaultdict(set)

    def to_utc(self, value: str, location: str) -> datetime | None:
        value = value.strip()
        naive: datetime | None = None
        m = _TIME_RE.match(value)
        if m:
            day, time, offset = m.groups()
            try:
                parsed = datetime.fromisoformat(f"{day}T{time}{_offset(offset)}")
                if not 2000 <= parsed.year <= 2100:
                    return None
                if parsed.tzinfo is not None:
                    return parsed.astimezone(UTC)
            except (ValueError, OverflowError):
                return None
            naive = parsed
        else:
            g = _GERMAN_TIME_RE.match(value)
            if not g:
                return None
            d, mo, y, h, mi, s = g.groups()
            try:
                naive = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
            except ValueError:
                return None
            if not 2000 <= naive.year <= 2100:
                return None
        fold = 1 if naive in self.seen[location] else 0
        self.seen[location].add(naive)
        aware = naive.replace(tzinfo=berlin(), fold=fold)
        if aware.astimezone(UTC).astimezone(berlin()).replace(tzinfo=None) != naive:
            return None  # 02:30 on the March switch day does not exist
        return aware.astimezone(UTC)


def _offset(offset: str | None) -> str:
    if not offset or offset == "Z":
        return "+00:00" if offset == "Z" else ""
    digits = offset.replace(":", "")
    return f"{digits[:3]}:{digits[3:]}"


@dataclass(frozen=True)
class _Layout:
    format: str
    location: int
    time: int
    count: int
    name: int | None = None
    ltr: int | None = None
    rtl: int | None = None
    adult: int | None = None
    child: int | None = None
    weather: int | None = None
    temperature: int | None = None
    ltr_label_col: int | None = None
    rtl_label_col: int | None = None
    ltr_label: str | None = None
    rtl_label: str | None = None


def _layout(headers: list[str], raw_headers: list[str]) -> _Layout:
    def col(*names: str) -> int | None:
        for name in names:
            if name in headers:
                return headers.index(name)
        return None

    if "zeitpunkt der messung" in headers and "fußgänger insgesamt" in headers:
        directions = [i for i, h in enumerate(headers) if h.startswith("fußgänger insgesamt richtung ")]
        prefix = len("fußgänger insgesamt richtung ")
        ltr = directions[0] if directions else None
        rtl = directions[1] if len(directions) > 1 else None
        return _Layout(GERMAN, location=col("lage") if col("lage") is not None else -1,
                       time=headers.index("zeitpunkt der messung"), count=headers.index("fußgänger insgesamt"),
                       ltr=ltr, rtl=rtl, adult=col("erwachsene"), child=col("kinder"), weather=col("wetterlage"),
                       temperature=next((i for i, h in enumerate(headers) if h.startswith("temperatur")), None),
                       ltr_label=raw_headers[ltr].strip()[prefix:] if ltr is not None else None,
                       rtl_label=raw_headers[rtl].strip()[prefix:] if rtl is not None else None)
    if "timestamp" in headers and "pedestrians_count" in headers:
        location = col("location_id", "location_name")
        return _Layout(FLATTENED, location=-1 if location is None else location,
                       time=headers.index("timestamp"), count=headers.index("pedestrians_count"),
                       name=col("location_name"), ltr=col("ltr_pedestrians_count"),
                       rtl=col("rtl_pedestrians_count"),
                       adult=col("adult_pedestrians_count", "adult_count"),
                       child=col("child_pedestrians_count", "child_count"),
                       weather=col("weather_condition"), temperature=col("temperature"),
                       ltr_label_col=col("ltr_label"), rtl_label_col=col("rtl_label"))
    raise FormatError("Unknown CSV layout: expected the hystreet web export ('Zeitpunkt der Messung;Fußgänger "
                      "insgesamt;...') or the flattened form ('timestamp,location_id,...,pedestrians_count,...').")


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and 0 <= index < len(row) else ""


def _reading(row: list[str], lay: _Layout) -> tuple[int | None, ...]:
    return tuple(_int(_cell(row, i)) for i in (lay.count, lay.ltr, lay.rtl, lay.adult, lay.child))


def _adds_up(values: tuple[int | None, ...]) -> bool:
    count, ltr, rtl, adult, child = values
    if ltr is not None and rtl is not None:
        return ltr + rtl == count
    if adult is not None and child is not None:
        return adult + child == count
    return False


def _aligned(row: list[str], lay: _Layout) -> tuple[int | None, ...]:
    """The row's counts; if an unheaded empty column after the weather shifted them, the shifted reading."""
    try:
        plain: tuple[int | None, ...] | None = _reading(row, lay)
    except ValueError:
        plain = None
    if plain is not None and (_adds_up(plain) or lay.weather is None):
        return plain
    if lay.format == GERMAN and lay.weather is not None:  # the count itself sits before the weather: unshifted
        cut = lay.weather + 1
        if cut < len(row) and row[cut].strip() == "":
            try:
                shifted = _reading(row[:cut] + row[cut + 1:], lay)
            except ValueError:
                shifted = None
            if shifted is not None and _adds_up(shifted):
                return shifted
    if plain is None:
        raise ValueError("not a whole number")
    return plain


def _sniff_delimiter(first_line: str) -> str:
    return max((";", ",", "\t"), key=first_line.count)


def parse(data: bytes) -> ParsedFile:
    text, encoding = decode(data)
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise FormatError("The file is empty.")
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])), delimiter=_sniff_delimiter(lines[header_at]))
    raw_headers = next(reader)
    lay = _layout([_norm(h) for h in raw_headers], raw_headers)
    parsed = ParsedFile(lay.format, encoding)
    clock = _Clock()
    started: set[str] = set()  # locations whose first non-zero hour has been seen
    for offset, row in enumerate(reader):
        line = header_at + offset + 2
        if not any(cell.strip() for cell in row):
            continue
        location_key = _cell(row, lay.location).strip() or "default"
        loc = parsed.locations.get(location_key)
        if loc is None:
            loc = Location(location_key, _cell(row, lay.name).strip() or location_key,
                           _cell(row, lay.ltr_label_col).strip() or lay.ltr_label,
                           _cell(row, lay.rtl_label_col).strip() or lay.rtl_label)
            parsed.locations[location_key] = loc
        start = clock.to_utc(_cell(row, lay.time), location_key)
        if start is None:
            parsed.refused.append({"line": line, "reasons": ["unreadable time of measurement"]})
            continue
        if start.minute or start.second:
            parsed.refused.append({"line": line, "reasons": ["hourly rows expected (minute 00)"]})
            continue
        try:
            values = _aligned(row, lay)
        except ValueError:
            parsed.refused.append({"line": line, "reasons": ["a count is not a whole number"]})
            continue
        count = values[0]
        no_context = (lay.format == GERMAN and lay.weather is not None and not _cell(row, lay.weather).strip()
                      and lay.temperature is not None and not _cell(row, lay.temperature).strip())
        if count is None or (count == 0 and (location_key not in started or no_context)):
            loc.gaps += 1  # before the sensor existed, or it delivered nothing: a gap, never a zero
            continue
        started.add(location_key)
        loc.rows.append(Row(line, location_key, start, count, *values[1:]))
    return parsed
