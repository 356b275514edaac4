"""The live card while a voice menu rings the office for a caller the box holds: the
operators who see the line are asked to pick it up, in their language."""

from __future__ import annotations

import re

import pytest

from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from tests.calls_box import make_office


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=1)
    yield made
    made.box.close()


def office_call(page: str) -> str:
    """The live card's office alert of line 1, '' while it is hidden."""
    card = page.split('data-line="1"', 1)[1].split("</article>", 1)[0]
    found = re.search(r'<p class="office-call" role="alert"( hidden)?>(.*?)</p>', card, re.S)
    assert found, "the card has no office alert"
    if found.group(1):
        return ""
    shown = re.findall(r'<span class="office-(?:un)?rung">(.*?)</span>', found.group(2))
    return " ".join(shown)


def test_the_live_card_asks_the_office_to_pick_up_a_caller_the_menu_rings_through(office):
    engine = office.deps.engine
    engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    call = office.calls[1][0]
    held = LineStatus(1, phase=Phase.SEIZED, call_id=call, direction="in", act="ivr")
    engine.dispatch(contract.LineStateChanged(1, call, held))
    ana = office.signed_in("ana")
    assert office_call(ana.get("/live").text) == ""
    waiting = LineStatus(1, phase=Phase.SEIZED, call_id=call, direction="in", act="ivr",
                         office_wanted=True)
    engine.dispatch(contract.LineStateChanged(1, call, waiting))
    assert office_call(ana.get("/live").text) == (
        "A caller is waiting for the office: pick up line 1")
    assert [line["office_wanted"] for line in ana.get("/api/lines").json()["lines"]
            if line["line"] == 1] == [True]
    rung = LineStatus(1, phase=Phase.SEIZED, call_id=call, direction="in", act="ivr",
                      office_wanted=True, office_rung=True)
    engine.dispatch(contract.LineStateChanged(1, call, rung))
    assert office_call(ana.get("/live").text) == (
        "The office phones are ringing for a caller on line 1")
    ana.post("/account/language", {"language": "zh-CN"})
    assert office_call(ana.get("/live").text) == "办公室电话正在为线路 1 的来电者振铃"
    engine.dispatch(contract.LineStateChanged(1, call, held))
    assert office_call(ana.get("/live").text) == ""
