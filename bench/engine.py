"""The engine's figures: per-line pipeline speed, memory with 8 lines, overruns over an hour.

``python -m bench.engine`` prints:

- the per-line pipeline (detectors, state machine, recorder writing A-law)
  in samples per second and times real time for one line, and so how many
  lines one core carries (target: at least 500x real time per line);
- the engine's peak resident memory with 8 simulated lines (target: under
  80 MB);
- frames lost (overruns) while an 8-line office plays one hour of calls as
  fast as real sound cards would deliver them at ``--speed`` (target: none),
  and how far any line's worker fell behind its audio meanwhile (the slack
  its reader thread gave it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import OURS, Bench, pin_to_one_core
from drivers.audio import CaptureStream
from firmware.config import ConfigStore, Line, default_config
from firmware.engine import state as machine
from firmware.engine.actions import LineActions
from firmware.engine.detectors import LineDetectors
from firmware.engine.reader import AHEAD_S
from firmware.engine.recorder import LineRecorder
from firmware.engine.worker import LineIO, LineWorker
from firmware.link import contract
from firmware.simulation.scenario import from_document, load
from firmware.simulation.sounds import box_sounds
from firmware.simulation.timeline import build_line
from firmware.store.db import Store

PIPELINE_SECONDS = 300
PIPELINE_PASSES = 5  # the best of these; a pass waits for the disk as well as the CPU


class FrameList(CaptureStream):
    """Capture from frames already in memory, so only the pipeline is timed."""

    def __init__(self, frames: list[np.ndarray]) -> None:
        super().__init__("bench:")
        self._frames = iter(frames)

    def read(self) -> np.ndarray | None:
        return next(self._frames, None)

    def _release(self) -> None:
        pass


def busy_line_frames(seconds: int = PIPELINE_SECONDS) -> list[np.ndarray]:
    """The first ``seconds`` of the demo office's line 1, frame by frame."""
    timeline = build_line(load("demo-office"), 1, box_sounds())
    return [timeline.render(index * 160, 160) for index in range(seconds * 50)]


def run_pipeline(frames: list[np.ndarray], data: Path) -> None:
    """One line's pipeline over ``frames``, in this thread, with a store and recordings in
    ``data``: the detectors, the state machine, the recorder writing A-law."""
    with Store(data / "linerec.db") as store:
        recorder = LineRecorder(1, data / "recordings", "alaw")
        actions = LineActions(1, store, recorder, "CN", publish=lambda event: None)
        detectors = LineDetectors("CN")
        worker = LineWorker(
            Line(number=1),
            LineIO(FrameList(frames)),
            detectors,
            actions,
            policy=machine.Policy(mode="vox"),
            started_at=time.time(),
        )
        worker.run()  # in this thread: the pipeline alone
        if worker.failure is not None:
            raise RuntimeError("the line failed during the benchmark") from worker.failure


def pipeline(bench: Bench) -> None:
    frames = busy_line_frames()
    count = len(frames)
    with tempfile.TemporaryDirectory() as folder:
        passes = iter(range(10**6))

        def one_pass() -> None:
            # Each pass has a data folder of its own: the store and its recordings go together.
            run_pipeline(frames, Path(folder) / f"pass-{next(passes)}")

        measurement = bench.measure(
            "line pipeline (vox, A-law)", OURS, one_pass, count * 160, note="one line"
        )
    bench.fact(
        "lines one core carries in real time",
        f"{measurement.times_real_time:,.0f} (target: pipeline >= 500x real time per line)",
    )


def eight_line_scenario() -> dict:
    """The demo office's calls on lines 1-4, and again, shifted, on lines 5-8."""
    demo = load("demo-office")
    calls = []
    for call in demo.call:
        plain = {key: getattr(call, key) for key in call.__dataclass_fields__}
        calls.append(plain)
        calls.append({**plain, "line": call.line + 4, "at": call.at + 7.0})
    return {"country": demo.country, "lines": 8, "loop": True, "seed": demo.seed, "call": calls}


def serve_hour(data_dir: Path, speed: float, until_s: float = 3600) -> dict:
    """In a child process: 8 lines, ``until_s`` of calls at ``speed``; the engine's figures.

    The data folder may already hold a configuration (8 lines on ``sim:``)
    and users: another benchmark drives a web UI on it meanwhile.
    """
    from firmware.cli.processes import open_configured_line  # noqa: PLC0415
    from firmware.engine import Engine  # noqa: PLC0415
    from firmware.simulation.office import Office  # noqa: PLC0415

    if not ConfigStore(data_dir).exists():
        ConfigStore(data_dir).save(default_config(8))
    office = Office(
        from_document(eight_line_scenario()),
        box_sounds(),
        speed=speed,
        prefix="bench-",
        like_a_sound_card=True,
        until_s=until_s,
    )
    engine = Engine(data_dir, lambda line: open_configured_line(line, "bench-"))
    engine.start()
    started = time.monotonic()
    office.start()
    office.join()
    wall = time.monotonic() - started
    engine.wait(timeout=60)
    overruns = sum(line.overruns for line in office.lines.values())
    lines = engine.handle_command(contract.StatusCommand()).lines
    engine.stop()
    with Store(data_dir / "linerec.db") as store:
        calls = len(store.calls(limit=100_000))
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    return {
        "overruns": overruns,
        "wall_s": wall,
        "calls": calls,
        "frames": office.frames_played,
        "peak_rss_mb": peak_kb / 1024,
        "most_behind_s": max(line.most_behind_s for line in lines),
    }


def hour_of_eight_lines(bench: Bench, speed: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [sys.executable, "-m", "bench.engine", "--serve-hour", folder, "--speed", str(speed)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    achieved = 3600 / figures["wall_s"]
    bench.fact("8 lines, 1 hour of calls", f"{figures['calls']} calls logged")
    bench.fact(
        "  played at", f"x{achieved:.1f} real time (asked x{speed:g}) like sound cards would"
    )
    bench.fact("  frames lost (overruns)", f"{figures['overruns']} (target: 0)")
    bench.fact(
        "  a worker at most behind its line",
        f"{figures['most_behind_s']:.2f} s of audio (each line's reader queues up to "
        f"{AHEAD_S:g} s)",
    )
    bench.fact(
        "  engine peak memory (VmHWM)",
        f"{figures['peak_rss_mb']:.1f} MB with the simulator in the process (target: < 80 MB)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--speed", type=float, default=20.0, help="the hour's playing speed")
    parser.add_argument("--serve-hour", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--until", type=float, default=3600, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_hour:
        print(json.dumps(serve_hour(args.serve_hour, args.speed, args.until)))
        return 0
    pin_to_one_core()
    bench = Bench(min_calls=PIPELINE_PASSES, min_seconds=0.0)
    pipeline(bench)
    hour_of_eight_lines(bench, args.speed)
    sys.stdout.write(bench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
