"""The call log as a CSV file that Excel opens as it is, Chinese included.

UTF-8 with a byte-order mark (without it Excel reads the file as the
local ANSI code page and Chinese turns to noise), one header row in the
reader's language, times in the box's local time as Excel parses them,
durations in whole seconds so they add up. A cell that starts with
``= + - @`` (or a tab or carriage return) gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula: a caller
ID name such as ``=HYPERLINK(...)`` is data, never a command. Written as
it is read, a batch at a time, up to ``MAX_ROWS`` rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from firmware.store.call_search import CallRow
from webui.call_filters import OUTCOME_LABELS
from webui.i18n import Translator

MAX_ROWS = 100_000
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "Start",
    "Line",
    "Line name",
    "Direction",
    "Outcome",
    "Number",
    "Number (E.164)",
    "Caller ID name",
    "Customer",
    "Location",
    "Carrier",
    "Answered at",
    "Ended at",
    "Duration (s)",
    "Recordings",
    "Notes",
)


def safe_cell(value: object) -> str:
    """``value`` as a cell no spreadsheet will take for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _moment(t: Translator, at: float | None) -> str:
    return f"{t.iso_date(at)} {t.time_of_day(at)}" if at is not None else ""


def call_cells(t: Translator, row: CallRow, line_names: dict[int, str]) -> list[str]:
    call = row.call
    chinese = t.language == "zh-CN"
    cells = [
        _moment(t, call.started_at),
        call.line,
        line_names.get(call.line, ""),
        t({"in": "Incoming", "out": "Outgoing"}.get(call.direction, call.direction)),
        t(OUTCOME_LABELS.get(call.outcome, call.outcome)),
        call.number or (t("Number withheld") if call.reason_absent else ""),
        call.number_e164,
        call.name,
        row.customer_name,
        call.location_zh if chinese else call.location_en,
        call.carrier_zh if chinese else call.carrier_en,
        _moment(t, call.answered_at),
        _moment(t, call.ended_at),
        "" if call.duration_s is None else round(call.duration_s),
        len(row.recording_ids),
        call.notes,
    ]
    return [safe_cell(cell) for cell in cells]


def csv_chunks(
    t: Translator,
    batches: Iterable[list[CallRow]],
    line_names: dict[int, str],
    max_rows: int = MAX_ROWS,
) -> Iterator[bytes]:
    """The file, as UTF-8 bytes, a batch of calls at a time.

    ``batches`` should hold up to ``max_rows + 1`` calls: one more than fits
    says the search was cut, and the file says so in its last line.
    """
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([t(column) for column in COLUMNS])
    yield _drain(buffer)
    written = 0
    for batch in batches:
        for row in batch:
            if written == max_rows:
                note = t("Cut at {count} calls: narrow the search to export the rest.",
                         count=t.number(max_rows))
                writer.writerow([note])
                yield _drain(buffer)
                return
            writer.writerow(call_cells(t, row, line_names))
            written += 1
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
