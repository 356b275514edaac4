"""Chinese (zh-CN) and English: the words of the pages, and dates, times and numbers.

Text in the code and templates is English, passed through ``_`` (a
``Translator``); the Chinese catalogue is ``webui.messages_zh.ZH``. A test
checks that every English text the pages use has its Chinese, so a page
never shows half its words in the other language.

Times are shown in the box's local time: the country profile's UTC offset
(China, UTC+8, by default), the same for every user of the box.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from webui.messages_zh import ZH

LANGUAGES = {"zh-CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh-CN"
# A line's state (``LineStatus.state``) as the pages name it.
LINE_STATES = {
    "idle": "Idle",
    "ringing": "Ringing",
    "dialling": "Dialling",
    "in_call": "In call",
    "silent": "On hold",
    "seized": "Held by the box",
    "offline": "Offline",
}
# What the box itself does on a line (``LineStatus.act``), as the live card says it.
ACT_NAMES = {
    "survey": "Survey",
    "voicemail": "Voicemail",
    "firewall": "Blocking the call",
    "ivr": "Voice menu",
    "announcement": "Announcement",
    "dial": "Placing a call",
}
# How far a call the box places got, then how it ended (``LineStatus.dial``).
DIAL_STAGES = {
    "lift_handset": "Lift your handset",
    "dial_tone": "Dial tone found",
    "dialling": "Dialling",
    "ringing": "Ringing",
    "busy": "Busy",
    "answered": "Answered",
    "handed_over": "Handed over to the phone",
    "human": "A person answered",
    "machine": "An answering machine answered",
    "fax": "A fax answered",
    "no_answer": "No answer",
    "sit": "Number not in service",
    "notsure": "Answered, nobody heard",
    "no_dial_tone": "No dial tone",
    "failed": "The box could not dial",
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def negotiate(accept_language: str) -> str:
    """The language to show a visitor who has not signed in, from their browser's wishes."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    language: str = DEFAULT_LANGUAGE
    utc_offset_s: int = 8 * 3600

    def __call__(self, text: str, **values: object) -> str:
        """``text`` in this language, with ``{name}`` fields filled from ``values``."""
        translated = ZH.get(text, text) if self.language == "zh-CN" else text
        return translated.format(**values) if values else translated

    def count(self, n: int, one: str, other: str, **values: object) -> str:
        """A count of something, ``{n}`` (or ``{count}``) in ``one`` or ``other`` as English
        grammar wants ("1 customer", "2 customers"); Chinese has one form, ``other``'s."""
        text = one if n == 1 and self.language != "zh-CN" else other
        figure = self.number(n)
        return self(text, n=figure, count=figure, **values)

    def line_state(self, state: str) -> str:
        """A line's state as this language names it."""
        return self(LINE_STATES.get(state, state))

    def act_name(self, act: str) -> str:
        """What the box does on a line, as this language names it."""
        return self(ACT_NAMES.get(act, act))

    def dial_stage(self, stage: str) -> str:
        """How far a call the box places got, or its result, as this language says it."""
        return self(DIAL_STAGES.get(stage, stage))

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.language == "zh-CN" else "en"

    def _local(self, at: float) -> time.struct_time:
        return time.gmtime(at + self.utc_offset_s)

    def datetime(self, at: float | None, seconds: bool = False) -> str:
        """A moment as people of this language write it, in the box's local time."""
        if at is None:
            return ""
        t = self._local(at)
        clock = f"{t.tm_hour:02d}:{t.tm_min:02d}" + (f":{t.tm_sec:02d}" if seconds else "")
        if self.language == "zh-CN":
            return f"{self._day(t)} {clock}"
        return f"{self._day(t)}, {clock}"

    def date(self, at: float | None) -> str:
        if at is None:
            return ""
        return self._day(self._local(at))

    def _day(self, t: time.struct_time) -> str:
        if self.language == "zh-CN":
            return f"{t.tm_year}年{t.tm_mon}月{t.tm_mday}日"
        return f"{t.tm_mday} {_MONTHS_EN[t.tm_mon - 1]} {t.tm_year}"

    def time_of_day(self, at: float | None) -> str:
        if at is None:
            return ""
        t = self._local(at)
        return f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"

    def iso_date(self, at: float | None) -> str:
        """YYYY-MM-DD in local time, as date inputs want it."""
        if at is None:
            return ""
        t = self._local(at)
        return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"

    @staticmethod
    def duration(seconds: float | None) -> str:
        """A call's length as H:MM:SS or M:SS."""
        if seconds is None:
            return ""
        whole = round(seconds)
        hours, rest = divmod(whole, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

    @staticmethod
    def number(value: float, decimals: int = 0) -> str:
        """Grouped by thousands, as both languages write figures."""
        return f"{value:,.{decimals}f}"

    def local_midnight(self, iso_date: str) -> float | None:
        """Unix time of the start of a YYYY-MM-DD day in the box's local time; None if invalid."""
        try:
            parsed = time.strptime(iso_date, "%Y-%m-%d")
        except ValueError:
            return None
        return float(_timegm(parsed) - self.utc_offset_s)


def _timegm(t: time.struct_time) -> int:
    import calendar  # noqa: PLC0415 - only for this conversion

    return calendar.timegm(t)
