"""A new configuration taken by a running engine: policies at once, line restarts between calls."""

from __future__ import annotations

import time

import pytest

from firmware.cli.processes import open_configured_line
from firmware.config import ConfigError
from firmware.engine import Engine
from firmware.link import contract
from firmware.simulation.office import Office
from firmware.simulation.scenario import from_document
from firmware.simulation.sounds import box_sounds
from firmware.store.db import Store
from tests.engine_config import configure

FRAME_TOLERANCE_S = 0.05
NEW_YORK = "2125550123"  # Shanghai (+86 21) read in China, New York (+1 212) in the US


def play_changing(data_dir, scenario, prefix: str, change):
    """Play ``scenario``; at the first call's answer, ``change(engine)`` runs on the line's own
    thread (so at an exact point of line time) and its result is kept. The engine is left
    with the office as ``engine.office``."""
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix)
    events: list[contract.Event] = []
    replies: list[contract.Reply] = []

    def publish(event):
        events.append(event)
        if isinstance(event, contract.CallAnswered) and not replies:
            replies.append(change(engine))

    engine = Engine(data_dir, lambda line: open_configured_line(line, prefix), publish=publish)
    engine.start()
    first_worker = engine.workers[1]
    office.start()
    office.join(timeout=120)
    assert engine.wait(timeout=60), "the lines did not finish"
    engine.stop()
    engine.office = office
    with Store(data_dir / "linerec.db") as store:
        calls = sorted(store.calls(), key=lambda call: call.started_at)
        recordings = {r.call_id: r for r in store.recordings()}
    return engine, first_worker, calls, recordings, replies, events


def two_calls(number: str) -> dict:
    return {
        "lines": 1,
        "call": [
            {"line": 1, "at": 0.5, "number": number, "rings": 2, "talk": 4},
            {"line": 1, "at": 40, "number": number, "rings": 2, "talk": 3},
        ],
    }


def test_a_mode_change_reaches_the_call_in_progress_without_a_restart(tmp_path):
    config = configure(tmp_path, 1, mode="off")

    def switch_on(engine):
        config.update_line(1, recording={"mode": "auto"})
        return engine.handle_command(contract.ReloadConfigCommand())

    engine, first, calls, recordings, replies, _ = play_changing(
        tmp_path, from_document(two_calls("13800138000")), "reload-mode-", switch_on
    )
    assert replies == [contract.ReloadReply(restarting=(), started=(), stopping=(), failed=())]
    assert engine.workers[1] is first and not first.retired  # a policy needs no restart
    assert [call.outcome for call in calls] == ["answered", "answered"]
    # The first call was answered with recording off; it is recorded from the next frame on.
    first_recording = recordings[calls[0].id]
    assert first_recording.state == "complete"
    assert first_recording.started_at - calls[0].answered_at == pytest.approx(
        0, abs=FRAME_TOLERANCE_S
    )
    assert recordings[calls[1].id].state == "complete"


def test_a_country_change_restarts_the_line_once_its_call_has_ended(tmp_path):
    config = configure(tmp_path, 1)

    def move_to_the_us(engine):
        config.set_device(country="US")
        return engine.handle_command(contract.ReloadConfigCommand())

    engine, first, calls, recordings, replies, events = play_changing(
        tmp_path, from_document(two_calls(NEW_YORK)), "reload-country-", move_to_the_us
    )
    assert replies[0].restarting == (1,)
    assert first.retired and not first.is_alive()
    assert engine.workers[1] is not first
    # The call in progress went on to its end under the old profile, logged and recorded whole.
    before, after = calls
    assert before.outcome == "answered" and before.number_e164 == "+862125550123"
    assert before.duration_s == pytest.approx(4, abs=0.2)
    whole = recordings[before.id]
    assert whole.state == "complete"
    assert whole.samples / 8000 == pytest.approx(before.duration_s, abs=FRAME_TOLERANCE_S)
    # The next call is read with the United States' profile, on the same line timeline.
    assert after.outcome == "answered"
    assert after.number_e164 == "+12125550123" and after.location_en == "New York, NY"
    # Not a frame lost in the swap: the new worker went on with the old one's drivers and
    # the audio its reader had queued, so the second call is exactly on the line's timeline.
    assert first.frames + engine.workers[1].frames == engine.office.frames_played
    assert after.started_at - first.started_at == pytest.approx(40, abs=FRAME_TOLERANCE_S)
    assert recordings[after.id].state == "complete"
    assert [type(e) for e in events].count(contract.CallEnded) == 2


def test_lines_are_added_removed_and_disabled_live(tmp_path):
    config = configure(tmp_path, 1)
    config.update_line(1, audio="null:")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "reload-lines-"))
    engine.start()
    try:
        plain = config.load()
        second = plain.lines[0].__class__(number=2, name="Fax", audio="null:")
        config.save(plain.__class__(plain.device, [*plain.lines, second]))
        reply = engine.handle_command(contract.ReloadConfigCommand())
        assert reply.started == (2,) and engine.workers[2].is_alive()
        status = engine.handle_command(contract.StatusCommand())
        assert sorted(line.status.line for line in status.lines) == [1, 2]

        config.update_line(2, enabled=False)
        old_second = engine.workers[2]
        assert engine.handle_command(contract.ReloadConfigCommand()).stopping == (2,)
        old_second.join(timeout=5)
        assert not old_second.is_alive() and 2 not in engine.workers

        config.update_line(2, enabled=True, audio="wav:/nonexistent/line.wav")
        failed = engine.handle_command(contract.ReloadConfigCommand())
        assert [failure.line for failure in failed.failed] == [2]  # line 1 runs on regardless
        assert 2 not in engine.workers
        assert engine.workers[1].is_alive()

        keep = engine.config
        config.path.write_text('{"lines": {"1": {"number": "one"}}}')
        with pytest.raises(ConfigError):
            engine.handle_command(contract.ReloadConfigCommand())
        assert engine.config is keep  # a broken file leaves the running settings alone
    finally:
        engine.stop()
    deadline = time.monotonic() + 5
    while any(worker.is_alive() for worker in engine.workers.values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
