"""A line that stops on an error starts again by itself, and goes on logging and recording."""

from __future__ import annotations

from firmware.cli.processes import open_configured_line
from firmware.engine import Engine, engine
from firmware.engine.detectors import LineDetectors
from firmware.link import contract
from firmware.simulation.office import Office
from firmware.simulation.scenario import from_document
from firmware.simulation.sounds import box_sounds
from firmware.store.db import Store
from tests.engine_config import configure


def test_a_line_that_fails_starts_again_and_records_the_calls_after(tmp_path, monkeypatch, caplog):
    caplog.set_level("INFO")
    configure(tmp_path, 1)
    monkeypatch.setattr(engine, "RESTART_FIRST_S", 0.2)
    feed = LineDetectors.feed
    frames = {"seen": 0}

    def fails_once(detectors, frame, at, phase):
        frames["seen"] += 1
        if frames["seen"] == 600:  # twelve seconds in: inside the first call
            raise RuntimeError("a fault of ours")
        return feed(detectors, frame, at, phase)

    monkeypatch.setattr(LineDetectors, "feed", fails_once)
    scenario = from_document({"lines": 1, "call": [
        {"line": 1, "at": 1, "rings": 1, "talk": 20},
        {"line": 1, "at": 40, "rings": 2, "talk": 5},
        {"line": 1, "at": 70, "rings": 2, "talk": 5},
    ]})
    office = Office(scenario, box_sounds(), speed=0, prefix="restart-")
    events: list[contract.Event] = []
    box = Engine(
        tmp_path, lambda line: open_configured_line(line, "restart-"), publish=events.append
    )
    box.start()
    first = box.workers[1]
    office.start()
    office.join(timeout=120)
    assert box.wait(timeout=60)
    box.stop()
    assert isinstance(first.failure, RuntimeError)
    assert box.workers[1] is not first and box.workers[1].failure is None
    assert "line 1 started again" in caplog.text
    changes = [event for event in events if isinstance(event, contract.LineStateChanged)]
    offline = [event for event in changes if not event.status.online]
    back = [event for event in changes if event.status.online]
    assert offline and back  # the page saw the line go and come back
    with Store(tmp_path / "linerec.db") as store:
        calls = sorted(store.calls(), key=lambda call: call.started_at)
        recorded = {recording.call_id for recording in store.recordings()}
    # The call the fault cut short is logged as far as it got; the next two are whole.
    assert [call.outcome for call in calls] == ["answered"] * 3
    assert {call.id for call in calls} == recorded
    assert all(call.duration_s > 4 for call in calls[1:])
