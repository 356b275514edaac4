"""A disk that stays full for minutes, at x20: no line stops, the web answers with the reason,
and recording resumes within a second of room coming back.

The data folder is a small tmpfs (mounted in a user and mount namespace of
its own, so the test needs no privileges), filled to the last byte with a
ballast file while an office of two lines plays like sound cards at x20:
the database and the recordings both meet a full disk. Retention is off;
deleting the ballast is "room coming back".
"""

from __future__ import annotations

import json
import textwrap

from tests.mount_namespace import run_in_mount_namespace

SCRIPT = textwrap.dedent(
    """
    import dataclasses, errno, json, os, subprocess, sys, threading, time
    from pathlib import Path
    data = Path(sys.argv[1])
    data.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(data)], check=True)
    from firmware.cli.processes import open_configured_line
    from firmware.config import ConfigStore, default_config
    from firmware.engine import Engine
    from firmware.link import contract
    from firmware.simulation.office import Office
    from firmware.simulation.scenario import from_document
    from firmware.simulation.sounds import box_sounds
    from firmware.store.db import Store
    from tests.web_client import PASSWORD, web_box

    FREE_AT = 130.0  # line time (from the start) when room comes back
    config = default_config(2)
    retention_off = dataclasses.replace(config.device.retention, enabled=False)
    device = dataclasses.replace(config.device, retention=retention_off)
    ConfigStore(data).save(dataclasses.replace(config, device=device))
    web = web_box(data)
    web.add_user("ana", "super", language="en")
    ana = web.signed_in("ana")
    scenario = from_document({"lines": 2, "call": [
        {"line": 1, "at": 2, "rings": 1, "talk": 200},
        {"line": 2, "at": 5, "rings": 1, "talk": 40},
        {"line": 2, "at": 60, "rings": 1, "talk": 40},
        {"line": 2, "at": 120, "rings": 1, "talk": 60},
    ]})
    office = Office(scenario, box_sounds(), speed=20, prefix="fill-", like_a_sound_card=True)
    started = {}  # path -> line time it started, by line

    def told(event):
        if isinstance(event, contract.RecordingStarted):
            started[event.path] = (event.line, engine.workers[event.line].now)

    engine = Engine(data, lambda line: open_configured_line(line, "fill-"), publish=told)
    engine.start()
    zero = engine.workers[1].started_at
    ballast = data / "ballast"
    descriptor = os.open(ballast, os.O_WRONLY | os.O_CREAT)
    for block in (65536, 4096, 512, 1):  # to the last byte
        try:
            while True:
                os.write(descriptor, b"\\0" * block)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    os.close(descriptor)
    office.start()
    while engine.workers[1].now - zero < 30:
        time.sleep(0.01)
    status = engine.handle_command(contract.StatusCommand())
    during = {
        "live": ana.get("/live").status,
        "calls": ana.get("/calls").status,
        "unsaved": max(line.unsaved for line in status.lines),
        "problems": sorted({p.what for p in status.storage_problems}),
    }
    stranger = web.client("192.0.2.44")
    stranger.get("/login", headers={"Accept-Language": "en"})
    answer = stranger.post("/login", {"username": "ana", "password": PASSWORD},
                           headers={"Accept-Language": "en"})
    during["sign_in"] = answer.status
    during["sign_in_says"] = "storage is full" in answer.text and "Traceback" not in answer.text
    while engine.workers[1].now - zero < FREE_AT:
        time.sleep(0.01)
    ballast.unlink()
    freed = {1: engine.workers[1].now, 2: engine.workers[2].now}
    office.join(timeout=120)
    engine.wait(timeout=60)
    failures = [repr(worker.failure) for worker in engine.workers.values() if worker.failure]
    alive_at_end = sorted(engine.workers)
    after_sign_in = web.client("192.0.2.45")
    after_sign_in.get("/login")
    signed = after_sign_in.post("/login", {"username": "ana", "password": PASSWORD}).status
    engine.stop()
    resumed = {}
    for path, (line, at) in started.items():
        if at >= freed[line] - 0.3:
            resumed.setdefault(line, at - freed[line])
    with Store(data / "linerec.db") as store:
        calls = [(c.line, c.outcome) for c in store.calls()]
        rows = [(r.line, r.state) for r in store.recordings()]
    print(json.dumps({"during": during, "failures": failures, "lines": alive_at_end,
                      "resumed": resumed, "calls": calls, "rows": rows, "signed_in_after": signed}))
    """
)


def test_a_disk_full_for_minutes_stops_no_line_and_recording_resumes_within_a_second(tmp_path):
    """Retention is off, so nothing makes room but the test itself."""
    result = run_in_mount_namespace(SCRIPT, str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    print(report)
    during = report["during"]
    assert (during["live"], during["calls"]) == (200, 200)  # the web reads on
    assert during["sign_in"] == 503 and during["sign_in_says"]  # a reason, not a 500
    assert during["unsaved"] > 0 and "a recording" in during["problems"]
    assert report["failures"] == [] and report["lines"] == [1, 2]  # no line stopped
    # Both lines were recording a call when room came back: each started again at once.
    assert set(report["resumed"]) == {"1", "2"}
    assert all(0 <= delay <= 1.0 + 0.25 for delay in report["resumed"].values())
    # Every call of the scenario is in the log once the store took the waiting writes.
    assert sorted(report["calls"]) == [[1, "answered"]] + [[2, "answered"]] * 3
    assert report["signed_in_after"] == 303
