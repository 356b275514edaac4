"""Chinese and English throughout: every text the pages use has its Chinese, dates read right."""

from __future__ import annotations

import re
from pathlib import Path

from webui.i18n import Translator, negotiate
from webui.messages_zh import ZH

WEBUI = Path(__file__).resolve().parents[1] / "webui"

# _('text') in templates, and the values of label maps inside _({...}.get(...)).
_TEMPLATE_CALL = re.compile(r"""_\(\s*(['"])(.+?)\1""")
_TEMPLATE_MAP = re.compile(r"_\(\{([^}]*)\}")
_MAP_VALUE = re.compile(r""":\s*(['"])(.+?)\1""")
# _.count(n, 'one', 'other'): Chinese has one form, the other's.
_TEMPLATE_COUNT = re.compile(r"""_\.count\([^'"]*?,\s*(['"])(.+?)\1,\s*(['"])(.+?)\3""")
# In Python: ctx.t("..."), ctx.fail(400, "..."), and the problems the pages translate.
_PYTHON_PATTERNS = (
    re.compile(r"""\bt\(\s*(['"])(.+?)\1"""),
    re.compile(r"""\.fail\(\s*\d+,\s*(['"])(.+?)\1"""),
    re.compile(r"""\bproblem = (['"])(.+?)\1"""),
    re.compile(r"""\breturn (['"])([A-Z][^'"]+\.)\1"""),
    re.compile(r"""\bmessage=(['"])(.+?)\1"""),
)


def texts_used() -> dict[str, str]:
    """Every English text the pages pass through the translator, with where it is."""
    found: dict[str, str] = {}
    for template in sorted((WEBUI / "templates").glob("*.tpl")):
        source = template.read_text()
        for match in _TEMPLATE_CALL.finditer(source):
            found.setdefault(match.group(2), template.name)
        for match in _TEMPLATE_COUNT.finditer(source):
            found.setdefault(match.group(4), template.name)
        for mapping in _TEMPLATE_MAP.finditer(source):
            for value in _MAP_VALUE.finditer(mapping.group(1)):
                found.setdefault(value.group(2), template.name)
    for module in sorted(WEBUI.rglob("*.py")):
        if module.name == "messages_zh.py":
            continue
        source = module.read_text()
        for pattern in _PYTHON_PATTERNS:
            for match in pattern.finditer(source):
                found.setdefault(match.group(2), str(module.relative_to(WEBUI)))
    return found


def test_every_text_the_pages_use_has_its_chinese():
    used = texts_used()
    assert len(used) > 50  # the extraction itself works
    missing = {text: where for text, where in used.items() if text not in ZH}
    assert not missing, "texts without Chinese (add them to webui/messages_zh.py):\n" + "\n".join(
        f"  {where}: {text!r}" for text, where in sorted(missing.items(), key=lambda kv: kv[1])
    )


def test_the_chinese_keeps_every_placeholder():
    for english, chinese in ZH.items():
        assert set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", chinese)), english


def test_dates_and_durations_in_each_language():
    moment = 1_764_576_300.0  # 2025-12-01 08:05 UTC, 16:05 in Beijing
    chinese, english = Translator("zh-CN"), Translator("en")
    assert chinese.datetime(moment) == "2025年12月1日 16:05"
    assert english.datetime(moment) == "1 Dec 2025, 16:05"
    assert english.datetime(moment, seconds=True).endswith("16:05:00")
    assert Translator("en", utc_offset_s=0).date(moment) == "1 Dec 2025"
    assert chinese.iso_date(moment) == "2025-12-01"
    assert chinese.local_midnight("2025-12-01") == 1_764_547_200.0 - 8 * 3600  # 00:00 in Beijing
    assert chinese.local_midnight("2025-13-01") is None
    assert Translator.duration(65) == "1:05" and Translator.duration(3725) == "1:02:05"
    assert Translator.number(1234567) == "1,234,567"
    assert chinese("Line {n}", n=3) == "线路 3" and english("Line {n}", n=3) == "Line 3"


def test_counts_read_right_in_each_language():
    chinese, english = Translator("zh-CN"), Translator("en")
    assert english.count(1, "{n} customer", "{n} customers") == "1 customer"
    assert english.count(0, "{n} customer", "{n} customers") == "0 customers"
    assert english.count(1234, "{n} customer", "{n} customers") == "1,234 customers"
    assert chinese.count(1, "{n} customer", "{n} customers") == ZH["{n} customers"].format(n="1")
    assert english.count(1, "{n} file, {size}", "{n} files, {size}", size="2 KB") == "1 file, 2 KB"
    found = texts_used()
    assert "{n} customers" in found and "{count} recordings, about {size}" in found


def test_visitors_get_their_browsers_language():
    assert negotiate("en-GB,en;q=0.9") == "en"
    assert negotiate("zh-TW,zh;q=0.8") == "zh-CN"
    assert negotiate("fr-FR") == "zh-CN"  # the box's default
    assert negotiate("") == "zh-CN"
