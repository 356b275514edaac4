"""The Survey button: its route, rights, refusals in the user's language, audit."""

from __future__ import annotations

import calendar
import time

import pytest

from firmware.link import contract
from firmware.link.contract import LineStatus
from firmware.store.scopes import EVERY_LINE, LineScope
from firmware.store.surveys import Surveys
from tests.test_web_record import FakeEngine, in_call
from tests.web_client import web_box


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    made.add_user("op", permissions={"survey", "pop"}, lines=frozenset({1}))
    made.add_user("nosurvey", permissions={"pop"}, lines=frozenset({1}))
    made.engine = FakeEngine(made.deps.folder.bus_socket)
    made.engine.bus.start()
    yield made
    made.engine.bus.stop()
    made.close()


def survey(client, line: int, **options):
    return client.post(f"/lines/{line}/survey", {}, headers={"Accept": "application/json"},
                       **options)


def test_an_operator_hands_their_lines_caller_to_the_survey(box):
    call_id = in_call(box)
    client = box.signed_in("op")
    assert 'data-survey-line="1"' in client.get("/live").text
    answer = survey(client, 1)
    assert answer.status == 200, answer.text
    assert answer.json()["message"] == "设备正在将来电者转入调查：请现在挂机。"
    assert box.engine.commands[-1] == contract.ActCommand(1, "survey")
    entry = box.deps.audit.entries(username="op")[0]
    assert (entry.action, entry.target, entry.detail) == (
        "survey_started", "line 1", f"call {call_id}")


def test_the_survey_is_refused_with_the_reason_in_the_users_language(box):
    in_call(box)
    box.engine.refuse = "no_playback"
    answer = survey(box.signed_in("op"), 1)
    assert answer.status == 409
    assert "无法向线路播放语音" in answer.json()["error"]


def test_without_the_flag_or_the_line_there_is_no_survey(box):
    in_call(box, line=2)
    assert survey(box.signed_in("nosurvey"), 1).status == 403
    assert survey(box.signed_in("op"), 2).status == 404
    assert 'data-survey-line' not in box.signed_in("nosurvey").get("/live").text
    assert not any(isinstance(c, contract.ActCommand) for c in box.engine.commands)


def rated(box, line: int, rating: int, at: float, by: int | None = None) -> int:
    store = box.deps.store
    call_id = store.start_call(line, "in", started_at=at, number="13800138000")
    store.update_call(call_id, answered_at=at + 2, survey=rating)
    if by is not None:
        Surveys(store).handed_over(call_id, by)
    return call_id


def test_ratings_are_counted_per_operator_line_and_local_day_on_the_users_lines(box):
    op = box.deps.accounts.user_by_name("op").id
    dee = box.add_user("dee", lines=frozenset({4}))
    # 2026-12-06 23:30 and 2026-12-07 00:30 in China (UTC+8) are two local days.
    late = calendar.timegm((2026, 12, 6, 15, 30, 0))
    early = late + 3600
    rated(box, 1, 1, late, by=op)
    rated(box, 1, 2, early)  # the key code on line 1, shared by op and nosurvey: not known
    rated(box, 4, 5, early)  # the key code on line 4, whose one user is dee
    rated(box, 3, 4, early - 86400 * 40)  # outside the 30 days
    figures = Surveys(box.deps.store).figures(EVERY_LINE, late - 86400, late + 86400, 8 * 3600)
    assert figures.overall.total == 3
    assert [(t.key, t.total) for t in figures.by_day] == [("2026-12-07", 2), ("2026-12-06", 1)]
    assert [(t.key, t.counts[1], t.counts[2], t.counts[5]) for t in figures.by_line] == [
        (1, 1, 1, 0), (4, 0, 0, 1)]
    assert [(t.key, t.total) for t in figures.by_operator] == [(dee, 1), (op, 1), (None, 1)]
    assert figures.by_line[0].average == 1.5 and figures.overall.satisfied_share == 2 / 3
    mine = Surveys(box.deps.store).figures(LineScope(lines=frozenset({1})), late - 86400,
                                           late + 86400, 8 * 3600)
    assert mine.overall.total == 2


def test_the_survey_page_shows_only_the_users_lines_in_their_language(box):
    now = time.time()
    rated(box, 1, 2, now - 60)
    rated(box, 2, 5, now - 60)
    page = box.signed_in("op").get("/surveys")
    assert page.status == 200
    assert "1 个评分" in page.text and "线路 2" not in page.text
    wrong = box.signed_in("op").get("/surveys?from=yesterday")
    assert wrong.status == 400 and "不是有效日期" in wrong.text
