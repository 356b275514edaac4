"""The box's budget on a Raspberry Pi: the per-line pipeline in aarch64 instructions, lines per
core on a Pi 4 and a Pi Zero 2 W, the engine's memory with 8 lines.

``python -m bench.pi`` (part of ``make bench``) needs the arm64 root of
``bench.arm64`` (``make pi-check`` builds it); without it, it says why and
skips. Method:

- Instructions: the arm64 Python of the root (Debian bookworm's 3.11) runs
  ``bench.engine``'s line pipeline (detectors, state machine, recorder
  writing A-law, the store) over the first ``--seconds`` of the demo office's
  busy line 1, under qemu-user with a plugin (``bench/qemu_insn_count.c``)
  that counts every guest instruction executed. It runs three times, the
  same but for the frames the pipeline is given (start-up, imports,
  rendering the frames): none, all of them, and only those with sound on
  the line (speech, tones: every line in a call, the dearest case) back to
  back. The differences from the first run over the frame counts are the
  pipeline's instructions per line per 20 ms frame: the interpreter, numpy
  and our C (cross-built with the project's flags, plain armv8-a). Lines per
  core are given for the dearest case.
- Lines per core: a core's instructions per second (clock times an assumed
  IPC) over the instructions a line needs per second (50 frames). The IPCs
  are assumptions, not measured: ``Core`` says each. Not counted: the
  kernel's work (system calls, fsync, the page cache), time waiting for
  memory beyond what the IPC assumes, other processes (the web UI).
- Memory: the peak resident set (VmHWM) of ``bench.engine``'s engine process
  serving 8 simulated lines for ``--memory-seconds`` of calls, the simulator
  in the process; on the host, and under qemu, where the figure is qemu's
  process and so includes qemu itself and its translated code: an upper
  bound of the Pi's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench import arm64

PLUGIN_SOURCE = Path(__file__).resolve().parent / "qemu_insn_count.c"
PLUGIN = arm64.PROJECT_DIR / "build" / "pi" / "qemu_insn_count.so"
FRAMES_PER_SECOND = 50
MEMORY_TARGET_MB = 80
LINES = 8


@dataclass(frozen=True)
class Core:
    name: str
    hertz: float
    ipc: float
    why: str
    target_lines: int

    def lines(self, instructions_per_frame: float) -> float:
        return self.hertz * self.ipc / (instructions_per_frame * FRAMES_PER_SECOND)


CORES = (
    Core(
        "Pi 4 (Cortex-A72, 1.5 GHz)", 1.5e9, 1.0,
        "IPC 1.0 assumed: a 3-wide out-of-order core on interpreter code, branchy and "
        "load-bound (1.8 GHz boards: x1.2)",
        2 * LINES,
    ),
    Core(
        "Pi Zero 2 W (Cortex-A53, 1 GHz)", 1.0e9, 0.5,
        "IPC 0.5 assumed: a 2-wide in-order core stalls on each cache miss and mispredict",
        LINES,
    ),
)
TARGET_WHY = {
    2 * LINES: f"{LINES} lines in half a core (the engine is one process, the web UI beside it)",
    LINES: f"{LINES} lines in one core",
}


def build_plugin() -> Path:
    if PLUGIN.exists() and PLUGIN.stat().st_mtime >= PLUGIN_SOURCE.stat().st_mtime:
        return PLUGIN
    PLUGIN.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [os.environ.get("CC", "cc"), "-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Werror",
         "-O2", "-fPIC", "-shared", str(PLUGIN_SOURCE), "-o", str(PLUGIN)],
        check=True,
    )
    return PLUGIN


def sound_frames(frames: list) -> list:
    """The frames with sound on the line (speech, tones), about -50 dBFS and up."""
    import numpy as np  # noqa: PLC0415

    return [frame for frame in frames if np.sqrt(np.mean(frame.astype(np.float64) ** 2)) > 100]


def count_child(seconds: int, run: str) -> None:
    """Under qemu: render the frames, then run the pipeline over all, the sound ones, or none."""
    from bench.engine import busy_line_frames, run_pipeline  # noqa: PLC0415

    frames = busy_line_frames(seconds)
    chosen = {"all": frames, "sound": sound_frames(frames), "none": []}[run]
    with tempfile.TemporaryDirectory() as folder:
        run_pipeline(chosen, Path(folder))
    print(json.dumps({"frames": len(chosen)}))


def count_instructions(root: arm64.Arm64, seconds: int, run: str) -> tuple[int, int]:
    """The instructions of a whole counting run, and the frames its pipeline ran over."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "count"
        result = root.run_python(
            ["-m", "bench.pi", "--count-child", str(seconds), "--run", run],
            env={
                "LINEREC_QEMU_OPTIONS": f"-plugin {build_plugin()},out={out}",
                "OPENBLAS_NUM_THREADS": "1",  # one guest thread: the counter is not atomic
                # The runs counted side by side read the same bytecode: none written meanwhile.
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(f"the counting run failed:\n{result.stdout}{result.stderr}")
        frames = json.loads(result.stdout.strip().splitlines()[-1])["frames"]
        return int(out.read_text()), frames


def engine_memory(command: list[str], seconds: int, speed: float, env=None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        args = ["-m", "bench.engine", "--serve-hour", folder, "--speed", str(speed),
                "--until", str(seconds)]
        if env is None:
            result = subprocess.run(
                [*command, *args], capture_output=True, text=True, check=False,
                cwd=arm64.PROJECT_DIR,
            )
        else:
            result = env.run_python(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"the engine run failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_rss_mb"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pi", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=int, default=120,
                        help="seconds of the busy line counted (default 120)")
    parser.add_argument("--memory-seconds", type=int, default=300,
                        help="seconds of the 8 lines' calls served for the memory figure")
    parser.add_argument("--no-qemu-memory", action="store_true",
                        help="skip the engine's memory under qemu (the slowest figure)")
    parser.add_argument("--count-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", choices=("all", "sound", "none"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.count_child is not None:
        count_child(args.count_child, args.run)
        return 0

    root = arm64.find()
    if root is None:
        print(f"bench.pi: skipped: {arm64.absent_reason()}")
        return 0
    arm64.build_extension(root)
    print(f"linerec on a Pi's CPU: aarch64 under qemu-user ({root.home.name}), "
          f"host {platform.machine()}")
    print()
    # Three single-threaded qemu processes, side by side: a count does not depend on the time.
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [
            pool.submit(count_instructions, root, args.seconds, run)
            for run in ("none", "all", "sound")
        ]
        (baseline, _), (everything, frames), (sound, sound_count) = [
            run.result() for run in runs
        ]
    average = (everything - baseline) / frames
    per_frame = (sound - baseline) / sound_count
    rows = [
        ("pipeline, one line, per 20 ms frame: average",
         f"{average / 1e6:.3f} M aarch64 instructions ({args.seconds} s of the busy demo line, "
         "silences and calls)", ""),
        ("  with sound throughout (every line in a call)",
         f"{per_frame / 1e6:.3f} M ({per_frame * FRAMES_PER_SECOND / 1e6:.1f} M per second of "
         f"audio; its {sound_count} frames with sound, back to back)", ""),
    ]
    for core in CORES:
        rows.append((f"lines per core, {core.name}",
                     f"{core.lines(per_frame):.1f} every line in a call "
                     f"({core.lines(average):.1f} at the average)",
                     f">= {core.target_lines} ({TARGET_WHY[core.target_lines]})"))
    host = engine_memory([sys.executable], args.memory_seconds, 20.0)
    rows.append((f"engine peak memory, {LINES} lines, host ({platform.machine()})",
                 f"{host:.1f} MB ({args.memory_seconds} s of calls at x20)",
                 f"< {MEMORY_TARGET_MB} MB"))
    if not args.no_qemu_memory:
        seconds = min(args.memory_seconds, 60)
        emulated = engine_memory([], seconds, 1.0, env=root)
        rows.append((f"engine peak memory, {LINES} lines, aarch64 under qemu",
                     f"{emulated:.1f} MB ({seconds} s at x1; qemu's own memory included)",
                     f"< {MEMORY_TARGET_MB} MB"))
    width = max(len(name) for name, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    print(f"{'figure':<{width}}  {'measured':<{value_width}}  target")
    print("-" * (width + value_width + 30))
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:<{value_width}}  {target}".rstrip())
    print()
    for core in CORES:
        print(f"{core.name}: {core.why}")
    print("Counted: user-space instructions only (no kernel, no fsync wait); see the module's "
          "doc for the method and its limits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
