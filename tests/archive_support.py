"""Data folders of finished recordings for the archive tests, the check that none was lost or
left half-compressed, and a child process that compresses them (to be killed).

``python -m tests.archive_support DATA [--kill-after STEP]`` compresses every
recording of DATA as the engine's archive worker does (``ArchiveService``,
settled at once): first to the standard tier, then, with the long-archive
tier on, the older half again. It prints ``ready`` once its imports are done;
with ``--kill-after STEP`` it SIGKILLs itself right after the first call of
that step of ``firmware.archive.transcode``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsp_ext import g711
from firmware.config import Archive, default_config
from firmware.datafolder import DataFolder
from firmware.store.db import Store
from firmware.store.recordings import (
    RecordingFile,
    file_sha256,
    load_sidecar,
    recording_files,
    relative_path,
)
from firmware.store.stored_files import (
    is_partial,
    ogg_opus_info,
    stored_facts_of,
    stored_in_sidecar,
)

DAY_S = 86400.0
STEPS = ("verify_source", "write_partial", "put_in_place", "commit", "point_sidecar",
         "remove_source")


def speechlike(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """Bursts of voiced-sounding noise with pauses and a little hiss: Opus codes it like a
    call (talk and DTX), fast, with no speech synthesiser needed."""
    count = round(seconds * 8000)
    t = np.arange(count) / 8000
    pitch = 110 + 40 * np.sin(2 * np.pi * 0.3 * t)
    voiced = np.sin(2 * np.pi * np.cumsum(pitch) / 8000) * np.sign(np.sin(2 * np.pi * 3 * t))
    envelope = (np.sin(2 * np.pi * 0.25 * t + rng.uniform(0, 6)) > -0.2).astype(float)
    signal_ = 3000 * voiced * envelope + rng.normal(0, 20, count)
    return np.clip(signal_, -32768, 32767).astype(np.int16)


@dataclass(frozen=True)
class Made:
    recording_id: int
    relative: str
    sha256: str
    samples: int


def make_recordings(folder: DataFolder, count: int, rng: np.random.Generator, *,
                    seconds: tuple[float, float] = (4.0, 12.0), now: float | None = None,
                    encoding: str = "alaw") -> list[Made]:
    """``count`` finished recordings as the engine leaves them (A-law WAV, version 2 sidecar,
    index row, call), started from ten days ago to an hour ago, oldest first."""
    now = time.time() if now is None else now
    made = []
    with Store(folder.database) as store:
        for index in range(count):
            started = now - 10 * DAY_S + index * (10 * DAY_S - 3600) / max(1, count)
            call_id = store.start_call(1 + index % 2, "in", started_at=started - 5,
                                       number=f"1380013{index:04d}")
            store.update_call(call_id, answered_at=started)
            pcm = speechlike(rng, float(rng.uniform(*seconds)))
            audio = pcm.tobytes() if encoding == "pcm16" else g711.alaw_encode(pcm).tobytes()
            relative = relative_path(1 + index % 2, started, str(call_id))
            recording = RecordingFile(folder.recordings, relative, encoding,
                                      {"line": 1 + index % 2, "started_at": started,
                                       "call_id": call_id, "direction": "in"})
            recording.append(audio)
            ended = started + pcm.size / 8000
            sha256 = recording.close(ended_at=ended)
            recording_id = store.add_recording(1 + index % 2, relative, encoding, started,
                                               call_id=call_id)
            store.finish_recording(recording_id, ended_at=ended, samples=pcm.size,
                                   sha256=sha256)
            store.end_call(call_id, "answered", ended_at=ended)
            made.append(Made(recording_id, relative, sha256, pcm.size))
    return made


def problems_of(folder: DataFolder, made: list[Made]) -> list[str]:
    """What is wrong with a folder after recovery: a recording lost, one left with two files
    or a temporary file, a row whose file is missing or does not match its stored hash,
    a sidecar that does not name the stored file, an Opus file of the wrong length."""
    problems = []
    root = folder.recordings
    partials = [path for path in root.rglob(".*") if is_partial(path)]
    problems += [f"temporary file left: {path}" for path in partials]
    files = {path.relative_to(root).as_posix() for path in recording_files(root)}
    stems: dict[str, list[str]] = {}
    for relative in files:
        stems.setdefault(relative.rsplit(".", 1)[0], []).append(relative)
    problems += [f"two files of one recording: {sorted(both)}" for both in stems.values()
                 if len(both) > 1]
    with Store(folder.database) as store:
        for item in made:
            row = store.recording(item.recording_id)
            if row is None or row.state not in ("complete", "repaired"):
                problems.append(f"recording {item.recording_id} lost: {row}")
                continue
            if row.sha256 != item.sha256 or row.samples != item.samples:
                problems.append(f"recording {row.id}: the original's facts changed")
            path = root / row.path
            if row.path not in files:
                problems.append(f"recording {row.id}: its file {row.path} is missing")
                continue
            if file_sha256(path) != row.file_sha256:
                problems.append(f"recording {row.id}: {row.path} does not match its hash")
            sidecar = load_sidecar(path)
            if stored_in_sidecar(sidecar) != stored_facts_of(row):
                problems.append(f"recording {row.id}: its sidecar does not name {row.path}")
            if sidecar is None or sidecar.get("sha256") != item.sha256:
                problems.append(f"recording {row.id}: its sidecar lost the original's hash")
            if (row.stored_format == "opus" and not row.stored_encrypted
                    and ogg_opus_info(path).samples != item.samples):
                problems.append(f"recording {row.id}: {row.path} has the wrong length")
        indexed = {row.path for row in store.recordings()}
    problems += [f"a file the index does not know: {relative}" for relative in files - indexed]
    return problems


def compress_all(folder: DataFolder, *, archive_after_days: int = 0) -> int:
    """Run the archive worker's rounds until nothing waits; how many were compressed."""
    from firmware.engine.archive import ArchiveService  # noqa: PLC0415 - the child's own

    config = default_config()
    device = dataclasses.replace(
        config.device, archive=Archive(compress=True, archive_after_days=archive_after_days,
                                       archive_bitrate_kbps=7.0),
    )
    config = dataclasses.replace(config, device=device)
    with Store(folder.database) as store:
        service = ArchiveService(store, folder.recordings, lambda: config, settle_s=0.0)
        while service.run_once():
            pass
        return service.state().done


def _kill_after(step: str) -> None:
    from firmware.archive import transcode  # noqa: PLC0415

    original = getattr(transcode, step)

    def then_die(*args, **kwargs):
        result = original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(transcode, step, then_die)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--kill-after", choices=STEPS)
    parser.add_argument("--archive-after-days", type=int, default=5)
    args = parser.parse_args(argv)
    folder = DataFolder(args.data)
    from firmware.engine import archive  # noqa: F401, PLC0415 - imports done before "ready"

    if args.kill_after:
        _kill_after(args.kill_after)
    print("ready", flush=True)
    compress_all(folder)
    compress_all(folder, archive_after_days=args.archive_after_days)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
