"""Text-message templates: their placeholders, rendered for one customer in one language.

A template is text with placeholders between dollar signs, each also written in Chinese:

- ``$name$`` (``$姓名$``): the customer's name;
- ``$title$`` (``$称呼$``): by the customer's gender, 先生/女士 in Chinese, Mr/Ms in
  English; nothing when it is not known (and in English the space after it goes too);
- ``$company$`` (``$公司$``): the customer's company;
- ``$holiday$`` (``$节日$``): the holiday's name in the template's language;
- ``$date$`` (``$日期$``): the day of the occasion (the holiday, the birthday, or the
  day the message is sent), as the language writes dates: 2026年2月17日, 17 February 2026.

``$$`` is a dollar sign. ``check`` names the first placeholder that is none of these
(``TemplateError``), and ``render`` refuses, when ``strict``, a placeholder it has no
value for (a customer's own with no customer, ``$holiday$`` with no holiday); otherwise
such a placeholder is left out. ``size`` says how the rendered text goes out: its
characters, alphabet and parts (GSM 7-bit: 160 in one message, 153 a part; UCS2: 70 and
67), as ``firmware.sms.pdu`` splits it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from firmware.errors import LinerecError
from firmware.sms import pdu

PLACEHOLDERS = ("name", "title", "company", "holiday", "date")
CHINESE_NAMES = {"姓名": "name", "称呼": "title", "公司": "company", "节日": "holiday",
                 "日期": "date"}
CUSTOMER_PLACEHOLDERS = ("name", "title", "company")
TITLES = {"zh": {"male": "先生", "female": "女士"}, "en": {"male": "Mr", "female": "Ms"}}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_PLACEHOLDER = re.compile(r"\$\$|\$([^\s$]{1,30})\$")


class TemplateError(LinerecError, ValueError):
    """A template with a placeholder that is unknown, or has no value here."""

    def __init__(self, message: str, placeholder: str) -> None:
        super().__init__(message)
        self.placeholder = placeholder  # as written, with its dollar signs


@dataclass(frozen=True)
class Recipient:
    """Whom a message is rendered for: a customer's name, gender and company."""

    name: str = ""
    gender: str = ""  # male, female, or "": not known
    company: str = ""


@dataclass(frozen=True)
class Size:
    characters: int
    alphabet: str  # "GSM 7-bit" or "UCS2"
    parts: int
    per_part: int  # characters one part holds: 160/153 or 70/67


def _key(written: str) -> str | None:
    return written if written in PLACEHOLDERS else CHINESE_NAMES.get(written)


def placeholders(text: str) -> list[str]:
    """The placeholders the text uses, by their English name, in order, once each."""
    found = []
    for match in _PLACEHOLDER.finditer(text):
        key = _key(match.group(1)) if match.group(1) else None
        if key and key not in found:
            found.append(key)
    return found


def check(text: str) -> None:
    """Raise TemplateError naming the first placeholder that is not one of PLACEHOLDERS."""
    for match in _PLACEHOLDER.finditer(text):
        written = match.group(1)
        if written and _key(written) is None:
            raise TemplateError(
                f"${written}$ is not a placeholder: use $name$, $title$, $company$, "
                "$holiday$ or $date$ ($$ for a dollar sign)",
                f"${written}$",
            )


def title(gender: str, language: str) -> str:
    return TITLES["zh" if language == "zh" else "en"].get(gender, "")


def format_date(day: date, language: str) -> str:
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def render(
    text: str,
    *,
    language: str,
    day: date,
    recipient: Recipient | None = None,
    holiday: str | None = None,
    strict: bool = True,
) -> str:
    """The text with each placeholder's value for ``recipient`` in ``language``; ``day``
    the occasion's, ``holiday`` its name. See the module's text for what is refused."""
    check(text)
    values = {
        "date": format_date(day, language),
        "holiday": holiday,
        "name": recipient.name if recipient else None,
        "title": title(recipient.gender, language) if recipient else None,
        "company": recipient.company if recipient else None,
    }
    if strict:
        for key in placeholders(text):
            if values[key] is None:
                written = f"${key}$"
                if key == "holiday":
                    raise TemplateError(
                        f"{written} names a holiday: choose the holiday the message is for",
                        written)
                raise TemplateError(
                    f"{written} is the customer's: send the message to a customer", written)
    pieces: list[str] = []
    end = 0
    for match in _PLACEHOLDER.finditer(text):
        pieces.append(text[end:match.start()])
        end = match.end()
        if not match.group(1):
            pieces.append("$")
            continue
        value = values[_key(match.group(1))] or ""
        if not value and language != "zh" and text[end:end + 1] == " ":
            end += 1  # "Dear $title$ $name$" with no title: one space, not two
        pieces.append(value)
    pieces.append(text[end:])
    return "".join(pieces)


def size(text: str) -> Size:
    """How the text goes out (see the module's text); a text beyond 255 parts counts the
    parts it would need all the same."""
    text = pdu.normalise_text(text)
    wide = not pdu.is_gsm7(text)
    length = sum(2 if ord(char) > 0xFFFF else 1 for char in text) if wide \
        else pdu.gsm7_length(text)
    single, part = (pdu.SINGLE_UCS2, pdu.PART_UCS2) if wide else (pdu.SINGLE_GSM7, pdu.PART_GSM7)
    if length <= single:
        return Size(len(text), "UCS2" if wide else "GSM 7-bit", 1 if text else 0, single)
    try:
        parts = len(pdu.split(text))
    except pdu.PduError:
        parts = -(-length // part)
    return Size(len(text), "UCS2" if wide else "GSM 7-bit", parts, part)
