"""Compression after the call: how many hours of calls fit, how they sound, how fast it goes.

On the call-like corpus of ``bench/corpora/calls.py`` (three conversations,
nine minutes: two talkers, pauses, line noise, through A-law), side by side:

- G.711 A-law WAV, as the recorder writes it;
- MP3 at the lowest bitrate libsndfile writes (``soundfile``, MPEG-2.5 layer
  III, 8 kbit/s constant);
- GSM 6.10 WAV (``soundfile``);
- our standard tier: Ogg Opus from the A-law WAV (``firmware.archive``);
- our long-archive tier: Ogg Opus re-encoded from the standard tier's file,
  as the archive worker makes it (and, for comparison, straight from the WAV).

For each: bytes an hour, hours a GB and hours per 20 GB (GB of 10^9 bytes, as
cards are sold), PESQ narrowband MOS-LQO (ITU-T P.862 through the ``pesq``
package) against the A-law original, averaged over 10-second windows (those
PESQ finds no speech in are left out), and the encoder's speed in times real
time per core: audio seconds over the CPU seconds of the encoding thread
(file read, decode, encode and write), best of three, pinned to one core.
The targets are the standard tier's and the long-archive tier's.

    python -m bench.archive            the table and the targets
    python -m bench.archive --sweep    the Opus settings around the defaults
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.corpora.calls import BENCH, conversation, tools_missing
from bench.harness import pin_to_one_core
from dsp_ext import g711
from firmware.archive.audio import pcm_blocks
from firmware.archive.opus import OggOpusWriter, OpusSettings
from firmware.config import Archive
from firmware.store.wavformat import wav_header

RATE = 8000
GB = 10**9
WINDOW_S = 10
TIMED_RUNS = 3
TARGETS = {  # row -> (hours per 20 GB, MOS-LQO, times real time per core)
    "standard": (5500, 3.5, 200),
    "archive": (8000, 2.5, 200),
}


@dataclass
class Row:
    key: str
    name: str
    bytes: int
    seconds: float  # of audio
    mos: float
    windows: int
    speed: float | None  # times real time per core; None: not an encoder of ours to time

    @property
    def bytes_per_hour(self) -> float:
        return self.bytes / self.seconds * 3600

    @property
    def hours_per_gb(self) -> float:
        return GB / self.bytes_per_hour

    @property
    def kbit_s(self) -> float:
        return self.bytes * 8 / self.seconds / 1000


def mos_lqo(reference: np.ndarray, degraded: np.ndarray) -> tuple[float, int]:
    """PESQ narrowband MOS-LQO, the mean over 10 s windows that hold speech; and how many."""
    from pesq import NoUtterancesError, pesq  # noqa: PLC0415 - a development package

    degraded = _aligned(reference, degraded)
    scores = []
    width = WINDOW_S * RATE
    for start in range(0, reference.size - width + 1, width):
        try:
            scores.append(pesq(RATE, reference[start:start + width].astype(np.float64),
                               degraded[start:start + width].astype(np.float64), "nb"))
        except NoUtterancesError:
            continue
    return float(np.mean(scores)), len(scores)


def _aligned(reference: np.ndarray, degraded: np.ndarray) -> np.ndarray:
    """``degraded`` shifted by the codec's delay (found by cross-correlation, up to 0.25 s)
    and cut or padded to the reference's length: PESQ aligns within a window, but an MP3
    decoder's delay can move speech across windows."""
    span = min(reference.size, degraded.size, 60 * RATE)
    a = reference[:span].astype(np.float64)
    b = degraded[:span].astype(np.float64)
    size = 1 << (2 * span - 1).bit_length()
    correlation = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    most = RATE // 4
    lags = np.concatenate([correlation[: most + 1], correlation[-most:]])
    lag = int(np.argmax(lags))
    lag = lag if lag <= most else lag - lags.size
    shifted = degraded[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.int16), degraded])
    if shifted.size < reference.size:
        shifted = np.concatenate([shifted, np.zeros(reference.size - shifted.size, np.int16)])
    return shifted[: reference.size]


def _cpu_best(make: Callable[[], object]) -> float:
    """The least CPU time this thread spent on ``make()`` over a few runs."""
    best = float("inf")
    for _ in range(TIMED_RUNS):
        started = time.thread_time()
        make()
        best = min(best, time.thread_time() - started)
    return best


def _decode_with_soundfile(data: bytes, **args) -> np.ndarray:
    import soundfile  # noqa: PLC0415

    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", **args)
    assert rate == RATE, rate
    return samples


def _with_soundfile(data: np.ndarray, **args) -> bytes:
    import soundfile  # noqa: PLC0415

    buffer = io.BytesIO()
    soundfile.write(buffer, data, RATE, **args)
    return buffer.getvalue()


def _encode_opus(source: Path, target: Path, settings: OpusSettings, samples: int) -> None:
    """What the archive worker does to one recording, less its bookkeeping."""
    with target.open("wb") as stream, OggOpusWriter(stream, settings) as writer:
        for block in pcm_blocks(source, samples=samples):
            writer.write(block)
        writer.finish()


@dataclass
class Corpus:
    folder: Path
    originals: list[np.ndarray]  # as stored: A-law, decoded
    wavs: list[Path]  # the A-law WAV files

    @property
    def seconds(self) -> float:
        return sum(pcm.size for pcm in self.originals) / RATE


def build_corpus(folder: Path) -> Corpus:
    originals, wavs = [], []
    for index, spec in enumerate(BENCH):
        call = conversation(spec)
        path = folder / f"call-{index}.wav"
        path.write_bytes(wav_header("alaw", call.alaw.size) + call.alaw.tobytes())
        originals.append(call.samples)
        wavs.append(path)
    return Corpus(folder, originals, wavs)


def _row(key: str, name: str, corpus: Corpus, files: list[bytes], decoded: list[np.ndarray],
         *, speed: float | None) -> Row:
    scores = [mos_lqo(original, degraded) for original, degraded in zip(corpus.originals,
                                                                        decoded, strict=True)]
    windows = sum(count for _, count in scores)
    mos = sum(score * count for score, count in scores) / windows
    return Row(key, name, sum(len(data) for data in files), corpus.seconds, mos, windows, speed)


def _soundfile_row(key: str, name: str, corpus: Corpus, **args) -> Row:
    files = [_with_soundfile(pcm, **args) for pcm in corpus.originals]
    cpu = _cpu_best(lambda: [_with_soundfile(pcm, **args) for pcm in corpus.originals])
    decoded = [_decode_with_soundfile(data) for data in files]
    return _row(key, name, corpus, files, decoded, speed=corpus.seconds / cpu)


def _opus_rows(corpus: Corpus, archive: Archive, only: tuple[str, ...] = ()) -> list[Row]:
    """Our tiers' rows (``only``: those keys; the long-archive tier needs the standard
    tier's files, which are made whenever it is asked for)."""
    standard = OpusSettings(archive.bitrate_kbps, complexity=archive.complexity)
    long_term = OpusSettings(archive.archive_bitrate_kbps, complexity=archive.complexity)
    lengths = [pcm.size for pcm in corpus.originals]
    firsts = [corpus.folder / f"{wav.stem}.opus" for wav in corpus.wavs]
    seconds = [corpus.folder / f"{wav.stem}.oga" for wav in corpus.wavs]
    direct = [corpus.folder / f"{wav.stem}-direct.oga" for wav in corpus.wavs]

    def run(sources, targets, settings):
        for source, target, samples in zip(sources, targets, lengths, strict=True):
            _encode_opus(source, target, settings, samples)

    rows = []
    for key, name, sources, targets, settings in (
        ("standard", f"Ogg Opus, standard tier ({standard.describe()})", corpus.wavs, firsts,
         standard),
        ("archive", f"Ogg Opus, long-archive tier ({long_term.describe()}), re-encoded from "
         "the standard tier", firsts, seconds, long_term),
        ("archive-direct", "Ogg Opus, long-archive tier straight from the WAV", corpus.wavs,
         direct, long_term),
    ):
        if only and key not in only:
            if key == "standard":
                run(sources, targets, settings)  # the long-archive tier starts from these
            continue
        cpu = _cpu_best(lambda s=sources, t=targets, o=settings: run(s, t, o))
        decoded = [np.concatenate(list(pcm_blocks(path, samples=samples)))
                   for path, samples in zip(targets, lengths, strict=True)]
        files = [path.read_bytes() for path in targets]
        rows.append(_row(key, name, corpus, files, decoded, speed=corpus.seconds / cpu))
    return rows


def measure(corpus: Corpus, archive: Archive) -> list[Row]:
    wav_files = [path.read_bytes() for path in corpus.wavs]
    cpu = _cpu_best(lambda: [g711.alaw_encode(pcm) for pcm in corpus.originals])
    rows = [
        Row("wav", "G.711 A-law WAV, as recorded (the reference)", sum(map(len, wav_files)),
            corpus.seconds, 4.5, 0, corpus.seconds / cpu),
        _soundfile_row("mp3", "MP3 (soundfile, lowest bitrate: 8 kbit/s CBR)", corpus,
                       # 0.99: libsndfile 1.2 refuses 1.0; 0.95 and up give its lowest, 8.
                       format="MP3", subtype="MPEG_LAYER_III", compression_level=0.99,
                       bitrate_mode="CONSTANT"),
        _soundfile_row("gsm", "GSM 6.10 WAV (soundfile)", corpus, format="WAV",
                       subtype="GSM610"),
    ]
    return rows + _opus_rows(corpus, archive)


def report(rows: list[Row], seconds: float) -> list[str]:
    lines = [
        f"call-like corpus: {len(BENCH)} conversations, {seconds / 60:.1f} min; GB = 10^9 bytes;"
        " MOS-LQO: PESQ narrowband against the A-law original (10 s windows);"
        " speed: times real time per core (CPU time, best of 3)",
        "",
        f"{'format':<92} {'kbit/s':>7} {'MB/h':>6} {'h/GB':>6} {'h/20GB':>7} {'MOS-LQO':>8}"
        f" {'x RT/core':>10}",
    ]
    for row in rows:
        mos = "(ref.)" if row.key == "wav" else f"{row.mos:.2f}"
        speed = f"{row.speed:,.0f}" if row.speed is not None else "-"
        lines.append(
            f"{row.name:<92} {row.kbit_s:>7.2f} {row.bytes_per_hour / 1e6:>6.2f} "
            f"{row.hours_per_gb:>6.0f} {20 * row.hours_per_gb:>7,.0f} {mos:>8} {speed:>10}"
        )
    lines.append("")
    met = True
    for key, (hours, mos, speed) in TARGETS.items():
        row = next(row for row in rows if row.key == key)
        checks = [
            (20 * row.hours_per_gb >= hours, f"{20 * row.hours_per_gb:,.0f} h per 20 GB "
             f"(target {hours:,})"),
            (row.mos >= mos, f"MOS-LQO {row.mos:.2f} (target {mos})"),
            (row.speed is not None and row.speed >= speed,
             f"{row.speed:,.0f}x real time per core (target {speed}x)"),
        ]
        met = met and all(ok for ok, _ in checks)
        lines.append(f"{key + ' tier:':<16}" + "; ".join(
            f"{text} {'met' if ok else 'NOT MET'}" for ok, text in checks))
    lines.append("all targets met" if met else "some targets NOT met")
    return lines


def sweep(corpus: Corpus) -> list[str]:
    """The standard tier's bitrate and complexity around the defaults, and the long-archive
    tier's bitrate from the default standard file."""
    lines = [f"{'tier':<10} {'kbit/s set':>10} {'complexity':>10} {'kbit/s':>7} {'h/20GB':>7} "
             f"{'MOS-LQO':>8} {'x RT/core':>10}"]
    default = Archive()
    for tier, rates, complexities in (("standard", (8.0, 9.0, 10.0, 11.0, 12.0), (2, 3, 5)),
                                      ("archive", (6.0, 7.0, 8.0), (default.complexity,))):
        for rate in rates:
            for complexity in complexities:
                if tier == "standard":
                    archive = Archive(bitrate_kbps=rate, complexity=complexity)
                else:
                    archive = Archive(archive_bitrate_kbps=rate, complexity=complexity)
                (row,) = _opus_rows(corpus, archive, only=(tier,))
                lines.append(f"{tier:<10} {rate:>10g} {complexity:>10} {row.kbit_s:>7.2f} "
                             f"{20 * row.hours_per_gb:>7,.0f} {row.mos:>8.2f} "
                             f"{row.speed:>10,.0f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sweep", action="store_true",
                        help="the Opus settings around the defaults instead of the table")
    args = parser.parse_args(argv)
    problem = tools_missing()
    if problem:
        print(f"bench.archive: not run: {problem}")
        return 1
    pin_to_one_core()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = build_corpus(Path(scratch))
        if args.sweep:
            print("\n".join(sweep(corpus)))
            return 0
        rows = measure(corpus, Archive())
        print("\n".join(report(rows, corpus.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
