"""The Survey button: its route, rights, refusals in the user's language, audit."""

from __future__ import annotations

import pytest

from firmware.link import contract
from firmware.link.bus import EventBus
from firmware.link.contract import LineStatus
from tests.test_web_record import in_call
from tests.web_client import web_box


class FakeEngine:
    """The engine's side of the bus: takes act commands, or refuses them as told."""

    def __init__(self, socket_path) -> None:
        self.commands: list[contract.Command] = []
        self.refuse: str | None = None  # a key of contract.ACT_REFUSALS
        self.bus = EventBus(socket_path, self.on_command)

    def on_command(self, command: contract.Command) -> contract.Reply:
        self.commands.append(command)
        if isinstance(command, contract.ActCommand):
            if self.refuse:
                raise ValueError(contract.ACT_REFUSALS[self.refuse].format(line=command.line))
            return contract.LineReply(command.line)
        if isinstance(command, contract.StatusCommand):
            return contract.StatusReply()
        raise ValueError(f"this engine does not take {command.kind.value!r}")


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
