"""G.711: ours against spandsp's bulk coder, stdlib audioop and a numpy table.

All four run on the same 2**20 samples of speech-like (Laplacian) audio.
The target is at least 2x spandsp's encode+decode rate on one core.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np

from bench.harness import OURS, Bench
from dsp_ext import g711

SAMPLES = 1 << 20
SEED = 711  # fixed, so every run times the same buffer


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

    alaw_codes = g711.alaw_encode(pcm)
    bench.measure("G.711 A-law to mu-law", OURS, lambda: g711.alaw_to_ulaw(alaw_codes), SAMPLES)
    if peer is not None:
        ulaw_codes = np.empty(SAMPLES, dtype=np.uint8)
        alaw_c = peer_ffi.from_buffer("uint8_t[]", alaw_codes)
        ulaw_c = peer_ffi.from_buffer("uint8_t[]", ulaw_codes)
        bench.measure(
            "G.711 A-law to mu-law",
            "spandsp",
            lambda: peer.peer_spandsp_g711_transcode(0, alaw_c, SAMPLES, ulaw_c),
            SAMPLES,
        )

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
