"""``linerec dsp ...``: the DSP kernels as command-line tools on WAV files.

Each command is a function taking the parsed arguments and returning the
exit status; ``register`` adds them all under ``dsp``. Inputs are WAV files
as ``firmware.tools.wavfile`` reads them; a file it refuses ends the command with
its one-line error and exit status 2 (``firmware.cli.commands.main`` does that).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext import levels
from firmware.tools import wavfile


def _info(args: argparse.Namespace) -> int:
    """Print what a WAV file holds: encoding, length and level."""
    audio = wavfile.open_wav(args.file)
    law = "ulaw" if audio.encoding == "ulaw" else "alaw"
    energy, peak = 0.0, 0
    for block in audio.blocks():
        wide = block.astype(np.int64)
        energy += float(np.dot(wide, wide))
        peak = max(peak, int(np.abs(wide).max()))
    rms = math.sqrt(energy / audio.samples) if audio.samples else 0.0
    level = 20 * math.log10(rms / levels.reference_rms(law)) if rms > 0 else None
    report = {
        "file": str(args.file),
        "encoding": audio.encoding,
        "sample_rate": SAMPLE_RATE,
        "samples": audio.samples,
        "seconds": round(audio.seconds, 3),
        "rms_dbm0": round(level, 2) if level is not None else None,
        "peak": peak,
        "truncated": audio.truncated,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:<12} {value}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    """Re-encode a WAV file as PCM16, A-law or mu-law, a block at a time."""
    audio = wavfile.open_wav(args.input)
    with wavfile.WavWriter(args.output, args.encoding) as out:
        for block in audio.blocks():
            out.write(block)
    return 0


def _cid(args: argparse.Namespace) -> int:
    """Print one JSON object per caller-ID message (FSK or DTMF) in a WAV file.

    A long file is read in windows that overlap by more than a message lasts, so a
    message across a window's edge is found whole, once.
    """
    from firmware.callerid import decode_audio  # noqa: PLC0415 - loads the DSP kernels

    audio = wavfile.open_wav(args.file)
    told_until = 0.0  # messages starting before this were printed from the last window
    for offset, window in _windows(audio):
        for caller_id in decode_audio(window):
            start = offset + (caller_id.start_s or 0.0)
            if start < told_until:
                continue
            found = caller_id.to_json()
            found["start_s"] = round(start, 3) if caller_id.start_s is not None else None
            print(json.dumps(found, ensure_ascii=False))
        told_until = offset + window.size / SAMPLE_RATE - CID_OVERLAP_S
    return 0


CID_OVERLAP_S = 5.0  # longer than a caller-ID message with its marks and channel seizure


def _windows(audio: wavfile.WavReader):
    """(start in seconds, samples) of overlapping windows over the whole file."""
    overlap = int(CID_OVERLAP_S * SAMPLE_RATE)
    kept = np.zeros(0, dtype=np.int16)
    offset = 0.0
    for block in audio.blocks():
        window = np.concatenate([kept, block])
        yield offset, window
        kept = window[-overlap:] if window.size > overlap else window
        offset += (window.size - kept.size) / SAMPLE_RATE


def _dtmf(args: argparse.Namespace) -> int:
    """Print the DTMF digits in a WAV file: one line, or one JSON object per digit."""
    from dsp_ext.dtmf import DtmfDetector  # noqa: PLC0415 - loads the DSP kernels

    audio = wavfile.open_wav(args.file)
    detector = DtmfDetector(args.country)
    digits = [digit for block in audio.blocks() for digit in detector.feed(block)]
    digits += detector.finish() if audio.samples else []
    if args.json:
        for d in digits:
            print(json.dumps({"digit": d.digit, "start_s": d.start_s, "end_s": d.end_s}))
    else:
        print("".join(d.digit for d in digits))
    return 0


def _tones(args: argparse.Namespace) -> int:
    """Print one JSON object per call-progress or fax tone in a WAV file."""
    from firmware.country.tones import detector  # noqa: PLC0415 - loads the DSP kernels

    audio = wavfile.open_wav(args.file)
    found = detector(args.country)
    tones = [tone for block in audio.blocks() for tone in found.feed(block)]
    tones += found.finish() if audio.samples else []
    for t in tones:
        print(json.dumps({"tone": t.tone, "start_s": t.start_s, "end_s": t.end_s}))
    return 0


def _amd(args: argparse.Namespace) -> int:
    """Print the answering-machine detector's decision on each WAV file as JSON.

    Each file is the answered side of an outbound call, from the moment of the
    answer; the file is read only as far as the decision (``decided_s``).
    """
    from firmware.tools.amd import AnsweringMachineDetector  # noqa: PLC0415 - the DSP kernels

    if len(args.files) > 1 and not args.json_lines:
        raise SystemExit("linerec dsp amd: several files need --json-lines (one object each)")
    for path in args.files:
        audio = wavfile.open_wav(path)
        detector = AnsweringMachineDetector(args.country, answered=True)
        result = None
        for block in audio.blocks():
            result = detector.feed(block)
            if result is not None:
                break
        if result is None:
            result = detector.finish()
        answer = {"result": result.status.lower(), "decided_s": round(result.at_s, 3),
                  "cause": result.cause}
        if args.json_lines:
            answer = {"file": str(path), **answer}
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0


def _echo(args: argparse.Namespace) -> int:
    """Cancel the echo of FAR (what the box sends) in NEAR (what it hears); write OUT.

    FAR and NEAR are the two directions of one call, sample for sample, so they
    must be of the same length; their encodings may differ. OUT is written in
    NEAR's encoding, a block at a time.
    """
    from dsp_ext.echo import EchoCanceller  # noqa: PLC0415 - loads the DSP kernels

    far = wavfile.open_wav(args.far)
    near = wavfile.open_wav(args.near)
    if far.samples != near.samples:
        raise wavfile.WavError(
            args.near,
            f"{near.samples} samples, but FAR {args.far} has {far.samples}; "
            "FAR and NEAR must be the two directions of the same call, of the same length",
        )
    canceller = EchoCanceller(args.tail_ms)
    with wavfile.WavWriter(args.out, near.encoding) as out:
        for far_block, near_block in zip(far.blocks(), near.blocks(), strict=True):
            out.write(canceller.process(far_block, near_block))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    dsp = commands.add_parser("dsp", help="run a DSP kernel on a WAV file")
    tools = dsp.add_subparsers(dest="dsp_command", metavar="TOOL", required=True)

    info = tools.add_parser("info", help="show a WAV file's encoding, length and level")
    info.add_argument("file", type=Path)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(handler=_info)

    convert = tools.add_parser("convert", help="re-encode a WAV file (PCM16, A-law, mu-law)")
    convert.add_argument("input", type=Path)
    convert.add_argument("output", type=Path)
    convert.add_argument(
        "--encoding", choices=sorted(wavfile.ENCODINGS), default="pcm16", help="(pcm16)"
    )
    convert.set_defaults(handler=_convert)

    cid = tools.add_parser("cid", help="print the caller-ID messages in a WAV file as JSON")
    cid.add_argument("file", type=Path)
    cid.set_defaults(handler=_cid)

    dtmf = tools.add_parser("dtmf", help="print the DTMF digits in a WAV file")
    dtmf.add_argument("file", type=Path)
    dtmf.add_argument("--json", action="store_true", help="one JSON object per digit")
    dtmf.add_argument(
        "--country", choices=["CN", "DE", "GB", "US"], default="CN", help="twist limits (CN)"
    )
    dtmf.set_defaults(handler=_dtmf)

    tones = tools.add_parser(
        "tones", help="print the call-progress and fax tones in a WAV file as JSON"
    )
    tones.add_argument("file", type=Path)
    tones.add_argument(
        "--country", choices=["CN", "DE", "GB", "US"], default="CN", help="tone plan (CN)"
    )
    tones.set_defaults(handler=_tones)

    amd = tools.add_parser(
        "amd", help="print whether a human, a machine or a fax answered (WAV files) as JSON"
    )
    amd.add_argument("files", type=Path, nargs="+", metavar="FILE",
                     help="the answered side of a call, from the moment of the answer")
    amd.add_argument("--json-lines", action="store_true",
                     help="one JSON object per file, with its name (for several files)")
    amd.add_argument(
        "--country", choices=["CN", "DE", "GB", "US"], default="CN", help="tone plan (CN)"
    )
    amd.set_defaults(handler=_amd)

    echo = tools.add_parser(
        "echo", help="cancel the echo of FAR (what the box sends) in NEAR (what it hears)"
    )
    echo.add_argument("far", type=Path, metavar="FAR")
    echo.add_argument("near", type=Path, metavar="NEAR")
    echo.add_argument("out", type=Path, metavar="OUT")
    echo.add_argument(
        "--tail-ms", type=int, choices=[32, 64, 128], default=64, help="echo tail to cover (64)"
    )
    echo.set_defaults(handler=_echo)
