"""The box's own style sheets are whole: every block closed where it should be, so that no
rule of a page lands inside another's media query (and applies only on phones)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "webui" / "static"
SHEETS = sorted(path for path in STATIC.glob("*.css"))


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: path.name)
def test_every_block_is_closed_before_the_next_top_level_rule(sheet):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), sheet.read_text(),
                  flags=re.S)
    depth = 0
    for number, line in enumerate(text.split("\n"), 1):
        # A rule written at the left margin is a top-level rule: nothing may be open.
        if line[:1] not in ("", " ", "}", "\t") and depth:
            pytest.fail(f"{sheet.name}:{number}: {line.strip()[:60]!r} inside an open block")
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet.name}:{number}: a block closed twice"
    assert depth == 0, f"{sheet.name}: {depth} block(s) never closed"


def test_there_are_style_sheets_to_check():
    assert [sheet.name for sheet in SHEETS][:1] == ["app.css"]
