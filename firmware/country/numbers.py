"""Phone numbers as the country profile reads them: normalised, located, formatted.

Caller ID and dialled digits arrive as bare digit strings. ``describe``
parses one in the box's region (``phonenumbers``, offline data), giving the
E.164 form for matching and searching, the national form for display, and
where the number is and which network it was allocated to, in Chinese and
English. Service numbers (10086, 95588), extensions and garbled digits do
not parse as full numbers: they keep their digits and get no location.

Where and which network come from phonenumbers' prefix tables, which take
about 100 MB of memory once imported: more than the whole engine may use.
So they are exported once, in a separate process, to a small SQLite file
(``number-index-<phonenumbers version>.sqlite`` in the cache folder), and
looked up there with phonenumbers' own rules: the longest matching prefix,
then the country's name.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

log = logging.getLogger(__name__)

_DIALLABLE = re.compile(r"^\+?[0-9]{3,20}$")
LANGUAGES = ("zh", "en")

_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.VOIP: "voip",
}
_CARRIER_KINDS = (
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PAGER,
)


@dataclass(frozen=True)
class NumberInfo:
    raw: str
    e164: str | None  # "+8613800138000"; None when the digits are not a full number
    display: str  # national format for full numbers, else the digits as they came
    kind: str  # mobile, fixed_line, toll_free, shared_cost, ..., or "other"
    location_zh: str | None
    location_en: str | None
    carrier_zh: str | None
    carrier_en: str | None


# ---- the prefix index ---------------------------------------------------------------


def cache_dir() -> Path:
    configured = os.environ.get("LINEREC_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "linerec"


def index_path() -> Path:
    return cache_dir() / f"number-index-{phonenumbers.__version__}.sqlite"


def build_index(path: Path) -> None:
    """Export phonenumbers' prefix tables (Chinese and English) to ``path``.

    Imports the big tables, so run it in a process of its own (``ensure_index``).
    """
    from phonenumbers import carrierdata, geodata  # noqa: PLC0415 - ~100 MB, by design here
    from phonenumbers.geocoder import _region_display_name  # noqa: PLC0415
    from phonenumbers.prefix import _find_lang  # noqa: PLC0415

    def names(langdict: dict) -> tuple[str, str]:
        return tuple(_find_lang(langdict, lang, None, None) or "" for lang in LANGUAGES)

    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".number-index.")
    os.close(descriptor)
    connection = sqlite3.connect(temp_name)
    try:
        connection.executescript(
            "CREATE TABLE geo (prefix TEXT PRIMARY KEY, zh TEXT, en TEXT) WITHOUT ROWID;"
            "CREATE TABLE carrier (prefix TEXT PRIMARY KEY, zh TEXT, en TEXT) WITHOUT ROWID;"
            "CREATE TABLE region (code TEXT PRIMARY KEY, zh TEXT, en TEXT) WITHOUT ROWID;"
        )
        connection.executemany(
            "INSERT INTO geo VALUES (?, ?, ?)",
            ((prefix, *names(langs)) for prefix, langs in geodata.GEOCODE_DATA.items()),
        )
        connection.executemany(
            "INSERT INTO carrier VALUES (?, ?, ?)",
            ((prefix, *names(langs)) for prefix, langs in carrierdata.CARRIER_DATA.items()),
        )
        connection.executemany(
            "INSERT INTO region VALUES (?, ?, ?)",
            (
                (code, *(_region_display_name(code, lang) for lang in LANGUAGES))
                for code in phonenumbers.SUPPORTED_REGIONS
            ),
        )
        connection.commit()
    finally:
        connection.close()
    os.replace(temp_name, path)


def _without_mobile_token(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """Argentina's mobiles carry a token before the area code; places are by area code."""
    token = phonenumbers.country_mobile_token(number.country_code)
    national = phonenumbers.national_significant_number(number)
    if not token or not national.startswith(token):
        return number
    region = phonenumbers.region_code_for_country_code(number.country_code)
    try:
        return phonenumbers.parse(national[len(token) :], region)
    except phonenumbers.NumberParseException:
        return number


class NumberIndex:
    """Read-only lookups in an exported index."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()

    def _longest(self, table: str, digits: str) -> tuple[str, str] | None:
        prefixes = [digits[:length] for length in range(len(digits), 0, -1)]
        marks = ",".join("?" * len(prefixes))
        with self._lock:
            row = self._connection.execute(
                f"SELECT zh, en FROM {table} WHERE prefix IN ({marks}) "
                "ORDER BY length(prefix) DESC LIMIT 1",
                prefixes,
            ).fetchone()
        return row

    def location(self, number: phonenumbers.PhoneNumber, kind: int) -> tuple[str, str]:
        """Like phonenumbers' description_for_number, in Chinese and English."""
        country = self._country(number)
        if kind == PhoneNumberType.UNKNOWN:
            return "", ""
        if not phonenumbers.is_number_type_geographical(kind, number.country_code):
            return country
        digits = phonenumbers.format_number(_without_mobile_token(number), PhoneNumberFormat.E164)
        found = self._longest("geo", digits[1:]) or ("", "")
        return tuple(place or fallback for place, fallback in zip(found, country, strict=True))

    def _country(self, number: phonenumbers.PhoneNumber) -> tuple[str, str]:
        """The country's name, or nothing when the number fits several (+1 800 ...)."""
        regions = phonenumbers.region_codes_for_country_code(number.country_code)
        if len(regions) > 1:
            valid = [
                code for code in regions if phonenumbers.is_valid_number_for_region(number, code)
            ]
            if len(valid) != 1:
                return "", ""
            regions = valid
        with self._lock:
            row = self._connection.execute(
                "SELECT zh, en FROM region WHERE code = ?", (regions[0],)
            ).fetchone()
        return row or ("", "")

    def carrier(self, number: phonenumbers.PhoneNumber, kind: int) -> tuple[str, str]:
        """Like phonenumbers' carrier.name_for_number, in Chinese and English."""
        if kind not in _CARRIER_KINDS:
            return "", ""
        digits = phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
        return self._longest("carrier", digits) or ("", "")


_index_lock = threading.Lock()


@functools.cache
def _index() -> NumberIndex | None:
    """The index, exported on first use; None (no locations) if that fails."""
    path = index_path()
    with _index_lock:
        if not path.exists():
            result = subprocess.run(
                [sys.executable, "-m", "firmware.country.numbers", "build-index", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                log.error("number locations unavailable: %s", result.stderr.strip()[-500:])
                return None
    return NumberIndex(path)


def ensure_index() -> bool:
    """Export the index now (a few seconds, once) so the first call does not wait."""
    return _index() is not None


# ---- numbers ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def describe(raw: str, region: str) -> NumberInfo:
    """What the box knows about ``raw`` (digits as received) in ``region`` ("CN", "US", ...)."""
    digits = raw.strip()
    unknown = NumberInfo(raw, None, digits, "other", None, None, None, None)
    if not _DIALLABLE.match(digits):
        return unknown
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return unknown
    if not phonenumbers.is_valid_number(parsed):
        return unknown
    kind = phonenumbers.number_type(parsed)
    index = _index()
    location = index.location(parsed, kind) if index else ("", "")
    network = index.carrier(parsed, kind) if index else ("", "")
    return NumberInfo(
        raw=raw,
        e164=phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        display=phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL),
        kind=_KINDS.get(kind, "other"),
        location_zh=location[0] or None,
        location_en=location[1] or None,
        carrier_zh=network[0] or None,
        carrier_en=network[1] or None,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "build-index":
        build_index(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit("usage: python -m firmware.country.numbers build-index PATH")


_WRITTEN_SEPARATORS = re.compile(r"[\s\-().·/]")


def dial_digits(number: str, region: str) -> str | None:
    """The digits the box dials for ``number`` (E.164, or as people write it) from a line
    in ``region``: a number of the country as it is dialled there (its trunk prefix and area
    code, 01012345678; a mobile, 13800138000), one abroad with the international prefix
    (00 in China: 0044...), a short number (95588) as it is; None for anything else."""
    digits = _WRITTEN_SEPARATORS.sub("", number.strip())
    if not _DIALLABLE.match(digits):
        return None
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(parsed):
        written = phonenumbers.format_out_of_country_calling_number(parsed, region)
        return "".join(ch for ch in written if ch.isdigit()) or None
    if not digits.startswith("+") and phonenumbers.is_valid_short_number(parsed):
        return digits
    return None
