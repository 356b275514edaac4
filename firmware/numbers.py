"""Phone numbers as the country profile reads them: normalised, located, formatted.

Caller ID and dialled digits arrive as bare digit strings. ``describe``
parses one in the box's region (``phonenumbers``, offline data), giving the
E.164 form for matching and searching, the national form for display, and
where the number is and which network it was allocated to, in Chinese and
English. Service numbers (10086, 95588), extensions and garbled digits do
not parse as full numbers: they keep their digits and get no location.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType, carrier, geocoder

_DIALLABLE = re.compile(r"^\+?[0-9]{3,20}$")

_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.VOIP: "voip",
}


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

    def text(lookup, language: str) -> str | None:
        return lookup(parsed, language) or None

    return NumberInfo(
        raw=raw,
        e164=phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        display=phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL),
        kind=_KINDS.get(phonenumbers.number_type(parsed), "other"),
        location_zh=text(geocoder.description_for_number, "zh"),
        location_en=text(geocoder.description_for_number, "en"),
        carrier_zh=text(carrier.name_for_number, "zh"),
        carrier_en=text(carrier.name_for_number, "en"),
    )
