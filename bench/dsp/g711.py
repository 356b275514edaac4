"""G.711: ours against spandsp's bulk coder, stdlib audioop and a numpy table.

All four run on the same 2**20 samples of speech-like (Laplacian) audio.
The target is at least 2x spandsp's encode+decode rate on one core.

A-law to mu-law transcoding (a 256-entry table either way) is measured on
the whole buffer in one call, each writing into an array made beforehand,
and in 20 ms frames (160 codes) from Python, each frame a numpy array
transcoded into a new one, as a caller holding frames would: ours through
``g711.alaw_to_ulaw``, spandsp's ``g711_transcode`` (its state made once)
through cffi.
spandsp's loop over the frames in C, with no Python, is shown for scale.
The target is at least spandsp's rate, both ways.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np

from bench.harness import OURS, Bench
from dsp_ext import g711

SAMPLES = 1 << 20
SEED = 711  # fixed, so every run times the same buffer
FRAME = 160  # 20 ms
FRAME_SAMPLES = 8000 * 10  # the frames: 10 s of one line


def speech_like(samples: int) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    return np.clip(rng.laplace(0, 3000, samples), -32768, 32767).astype(np.int16)


def _audioop():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module("audioop")
        except ImportError:  # removed from the stdlib in Python 3.13
            return None


def _numpy_tables(encode, decode):
    """A plain numpy implementation: one 64 Ki-entry table per direction."""
    every_sample = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    encode_table = np.empty(65536, dtype=np.uint8)
    encode_table[every_sample.view(np.uint16)] = encode(every_sample)
    decode_table = decode(np.arange(256, dtype=np.uint8))
    return encode_table, decode_table


def transcoding(bench: Bench, alaw_codes: np.ndarray, peer_ffi, peer) -> None:
    samples = alaw_codes.size
    kernel = "G.711 A-law to mu-law"
    ulaw_codes = np.empty(samples, dtype=np.uint8)
    bench.measure(
        kernel, OURS, lambda: g711.alaw_to_ulaw(alaw_codes, ulaw_codes), samples, "into out="
    )
    bench.measure(kernel, OURS, lambda: g711.alaw_to_ulaw(alaw_codes), samples, "new array")
    if peer is not None:
        alaw_c = peer_ffi.from_buffer("uint8_t[]", alaw_codes)
        ulaw_c = peer_ffi.from_buffer("uint8_t[]", ulaw_codes)
        bench.measure(
            kernel,
            "spandsp",
            lambda: peer.peer_spandsp_g711_transcode_kept(0, alaw_c, samples, ulaw_c),
            samples,
            "g711_transcode",
        )

    frame_kernel = "G.711 A-law to mu-law, 20 ms"
    frames = [alaw_codes[at : at + FRAME].copy() for at in range(0, FRAME_SAMPLES, FRAME)]

    def ours_frames() -> None:
        for frame in frames:
            g711.alaw_to_ulaw(frame)

    bench.measure(frame_kernel, OURS, ours_frames, FRAME_SAMPLES, "a call per frame, from Python")
    if peer is not None:
        transcode = peer.peer_spandsp_g711_transcode_kept
        from_buffer = peer_ffi.from_buffer

        def spandsp_frames() -> None:
            for frame in frames:
                out = np.empty(FRAME, dtype=np.uint8)
                transcode(0, from_buffer("uint8_t[]", frame), FRAME, from_buffer("uint8_t[]", out))

        bench.measure(
            frame_kernel, "spandsp", spandsp_frames, FRAME_SAMPLES, "a call per frame, from Python"
        )
        bench.measure(
            frame_kernel,
            "spandsp",
            lambda: peer.peer_spandsp_g711_transcode_frames(
                0, alaw_c, FRAME_SAMPLES, FRAME, ulaw_c
            ),
            FRAME_SAMPLES,
            "loop in C (scale only)",
        )
        for name, spandsp in ((kernel, "g711_transcode"), (frame_kernel, "from Python")):
            peer_row = next(
                m
                for m in bench.measurements
                if m.kernel == name and m.implementation == "spandsp" and spandsp in m.note
            )
            ratio = bench.ratio(peer_row)
            verdict = "met" if ratio >= 1 else "NOT MET"
            bench.fact(f"{name} target (>= 1x spandsp)", f"{ratio:.2f}x, {verdict}")


def run(bench: Bench) -> None:
    pcm = speech_like(SAMPLES)
    audioop = _audioop()
    peer_ffi, peer = bench.peers_or_note("spandsp G.711")

    laws = {
        "ulaw": (g711.ulaw_encode, g711.ulaw_decode, 1, "lin2ulaw", "ulaw2lin"),
        "alaw": (g711.alaw_encode, g711.alaw_decode, 0, "lin2alaw", "alaw2lin"),
    }
    for law, (encode, decode, peer_law, stdlib_encode, stdlib_decode) in laws.items():
        kernel = f"G.711 {law} encode+decode"
        bench.measure(kernel, OURS, lambda e=encode, d=decode: d(e(pcm)), SAMPLES)

        if peer is not None:
            codes = np.empty(SAMPLES, dtype=np.uint8)
            decoded = np.empty(SAMPLES, dtype=np.int16)
            pcm_in = peer_ffi.from_buffer("int16_t[]", pcm)
            codes_c = peer_ffi.from_buffer("uint8_t[]", codes)
            decoded_c = peer_ffi.from_buffer("int16_t[]", decoded)

            def spandsp_round_trip(
                law_code=peer_law, pcm_in=pcm_in, codes_c=codes_c, decoded_c=decoded_c
            ):
                peer.peer_spandsp_g711_encode(law_code, pcm_in, SAMPLES, codes_c)
                peer.peer_spandsp_g711_decode(law_code, codes_c, SAMPLES, decoded_c)

            bench.measure(kernel, "spandsp", spandsp_round_trip, SAMPLES)

        if audioop is not None:
            raw = pcm.tobytes()
            to_law = getattr(audioop, stdlib_encode)
            from_law = getattr(audioop, stdlib_decode)
            bench.measure(
                kernel, "audioop", lambda t=to_law, f=from_law, raw=raw: f(t(raw, 2), 2), SAMPLES
            )

        encode_table, decode_table = _numpy_tables(encode, decode)
        bench.measure(
            kernel,
            "numpy table",
            lambda et=encode_table, dt=decode_table: dt[et[pcm.view(np.uint16)]],
            SAMPLES,
        )

    transcoding(bench, g711.alaw_encode(pcm), peer_ffi, peer)

    for law in laws:
        kernel = f"G.711 {law} encode+decode"
        ours = next(
            m for m in bench.measurements if m.kernel == kernel and m.implementation == OURS
        )
        spandsp = [
            m for m in bench.measurements if m.kernel == kernel and m.implementation == "spandsp"
        ]
        if spandsp:
            ratio = bench.ratio(spandsp[0])
            verdict = "met" if ratio >= 2 else "NOT MET"
            bench.fact(f"{kernel} target (>= 2x spandsp)", f"{ratio:.2f}x, {verdict}")
        bench.fact(f"{kernel} per core", f"{ours.times_real_time:,.0f} lines in real time")
