"""``linerec dsp ...``: the DSP kernels as command-line tools on WAV files.

Each command is a function taking the parsed arguments and returning the
exit status; ``register`` adds them all under ``dsp``. Inputs are WAV files
as ``firmware.tools.wavfile`` reads them; a file it refuses ends the command with
its one-line error and exit status 2 (``firmware.cli.commands.main`` does that).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dsp_ext import levels
from firmware.tools import wavfile


def _info(args: argparse.Namespace) -> int:
    """Print what a WAV file holds: encoding, length and level."""
    audio = wavfile.read_wav(args.file)
    law = "ulaw" if audio.encoding == "ulaw" else "alaw"
    level = levels.rms_dbm0(audio.samples, law) if audio.samples.size else float("-inf")
    peak = int(abs(audio.samples.astype(int)).max()) if audio.samples.size else 0
    report = {
        "file": str(args.file),
        "encoding": audio.encoding,
        "sample_rate": audio.sample_rate,
        "samples": int(audio.samples.size),
        "seconds": round(audio.seconds, 3),
        "rms_dbm0": round(level, 2) if level != float("-inf") else None,
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
    """Re-encode a WAV file as PCM16, A-law or mu-law."""
    audio = wavfile.read_wav(args.input)
    wavfile.write_wav(args.output, audio.samples, args.encoding)
    return 0


def _cid(args: argparse.Namespace) -> int:
    """Print one JSON object per caller-ID message (FSK or DTMF) in a WAV file."""
    from firmware.callerid import decode_audio  # noqa: PLC0415 - loads the DSP kernels

    audio = wavfile.read_wav(args.file)
    for caller_id in decode_audio(audio.samples):
        print(json.dumps(caller_id.to_json(), ensure_ascii=False))
    return 0


def _dtmf(args: argparse.Namespace) -> int:
    """Print the DTMF digits in a WAV file: one line, or one JSON object per digit."""
    from dsp_ext.dtmf import DtmfDetector  # noqa: PLC0415 - loads the DSP kernels

    audio = wavfile.read_wav(args.file)
    digits = DtmfDetector(args.country).detect(audio.samples) if audio.samples.size else []
    if args.json:
        for d in digits:
            print(json.dumps({"digit": d.digit, "start_s": d.start_s, "end_s": d.end_s}))
    else:
        print("".join(d.digit for d in digits))
    return 0


def _tones(args: argparse.Namespace) -> int:
    """Print one JSON object per call-progress or fax tone in a WAV file."""
    from firmware.country.tones import detector  # noqa: PLC0415 - loads the DSP kernels

    audio = wavfile.read_wav(args.file)
    tones = detector(args.country).detect(audio.samples) if audio.samples.size else []
    for t in tones:
        print(json.dumps({"tone": t.tone, "start_s": t.start_s, "end_s": t.end_s}))
    return 0


def _echo(args: argparse.Namespace) -> int:
    """Cancel the echo of FAR (what the box sends) in NEAR (what it hears); write OUT.

    FAR and NEAR are the two directions of one call, sample for sample, so they
    must be of the same length; their encodings may differ. OUT is written in
    NEAR's encoding.
    """
    from dsp_ext.echo import EchoCanceller  # noqa: PLC0415 - loads the DSP kernels

    far = wavfile.read_wav(args.far)
    near = wavfile.read_wav(args.near)
    if far.samples.size != near.samples.size:
        raise wavfile.WavError(
            args.near,
            f"{near.samples.size} samples, but FAR {args.far} has {far.samples.size}; "
            "FAR and NEAR must be the two directions of the same call, of the same length",
        )
    cleaned = near.samples
    if near.samples.size:
        cleaned = EchoCanceller(args.tail_ms).process(far.samples, near.samples)
    wavfile.write_wav(args.out, cleaned, near.encoding)
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
