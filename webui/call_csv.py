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
import time
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
    return "'" + text if text and text[0] in FORMULA_STARTS else text


class _Cells:
    """Turns calls into rows of cells, with the reader's words looked up once."""

    def __init__(self, t: Translator, line_names: dict[int, str]) -> None:
        self.offset = t.utc_offset_s
        self.chinese = t.language == "zh-CN"
        self.line_names = line_names
        self.words = {
            key: t(label)
            for key, label in {"in": "Incoming", "out": "Outgoing", **OUTCOME_LABELS}.items()
        }
        self.withheld = t("Number withheld")

    def moment(self, at: float | None) -> str:
        """Local time as Excel reads it: 2026-01-01 08:00:00."""
        return "" if at is None else time.strftime("%Y-%m-%d %H:%M:%S",
                                                   time.gmtime(at + self.offset))

    def row(self, row: CallRow) -> list[str]:
        call = row.call
        words = self.words
        return [
            self.moment(call.started_at),
            str(call.line),
            safe_cell(self.line_names.get(call.line, "")),
            words.get(call.direction, call.direction),
            words.get(call.outcome, call.outcome),
            safe_cell(call.number or (self.withheld if call.reason_absent else "")),
            safe_cell(call.number_e164),
            safe_cell(call.name),
            safe_cell(row.customer_name),
            safe_cell(call.location_zh if self.chinese else call.location_en),
            safe_cell(call.carrier_zh if self.chinese else call.carrier_en),
            self.moment(call.answered_at),
            self.moment(call.ended_at),
            "" if call.duration_s is None else str(round(call.duration_s)),
            str(len(row.recording_ids)),
            safe_cell(call.notes),
        ]


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
    cells = _Cells(t, line_names)
    written = 0
    for batch in batches:
        for row in batch:
            if written == max_rows:
                note = t("Cut at {count} calls: narrow the search to export the rest.",
                         count=t.number(max_rows))
                writer.writerow([note])
                yield _drain(buffer)
                return
            writer.writerow(cells.row(row))
            written += 1
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
