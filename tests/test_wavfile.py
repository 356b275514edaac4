"""WAV reading and writing: what the DSP tools accept, and how they refuse the rest."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext import g711
from firmware.store import files
from firmware.tools.wavfile import WavError, read_wav, write_wav


def riff(*chunks: bytes, riff_size: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


def chunk(chunk_id: bytes, payload: bytes, size: int | None = None) -> bytes:
    pad = b"\0" if len(payload) & 1 else b""
    return chunk_id + struct.pack("<I", len(payload) if size is None else size) + payload + pad


def fmt(tag=1, channels=1, rate=8000, bits=16, extra=b"") -> bytes:
    align = channels * bits // 8
    return chunk(
        b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits) + extra
    )


@pytest.mark.parametrize("encoding", ["pcm16", "alaw", "ulaw"])
def test_write_then_read_gives_the_coded_samples(tmp_path, rng, encoding):
    samples = rng.integers(-32768, 32768, 8001, dtype=np.int16)  # odd count: padding
    path = tmp_path / f"{encoding}.wav"
    write_wav(path, samples, encoding)
    audio = read_wav(path)
    assert audio.encoding == encoding
    assert audio.sample_rate == 8000
    assert not audio.truncated
    expected = {
        "pcm16": samples,
        "alaw": g711.alaw_decode(g711.alaw_encode(samples)),
        "ulaw": g711.ulaw_decode(g711.ulaw_encode(samples)),
    }[encoding]
    np.testing.assert_array_equal(audio.samples, expected)
    assert path.stat().st_size % 2 == 0
    assert audio.seconds == pytest.approx(8001 / 8000)


def test_g711_files_keep_their_codes(tmp_path):
    codes = np.arange(256, dtype=np.uint8)
    path = tmp_path / "a.wav"
    path.write_bytes(
        riff(
            fmt(tag=6, bits=8, extra=b"\0\0"),
            chunk(b"fact", b"\0\1\0\0"),
            chunk(b"data", codes.tobytes()),
        )
    )
    audio = read_wav(path)
    np.testing.assert_array_equal(audio.codes, codes)
    np.testing.assert_array_equal(audio.samples, g711.alaw_decode(codes))


def test_chunks_before_data_and_extensible_format_are_read(tmp_path):
    samples = np.array([1, -2, 3], dtype=np.int16)
    subformat = struct.pack("<H", 1) + b"\0\0\0\0\x10\0\x80\0\0\xaa\0\x38\x9b\x71"
    extensible = struct.pack("<HHI", 22, 16, 4) + subformat
    path = tmp_path / "x.wav"
    path.write_bytes(
        riff(
            chunk(b"LIST", b"odd"),  # odd size: the reader must skip its pad byte
            fmt(tag=0xFFFE, extra=extensible),
            chunk(b"data", samples.tobytes()),
        )
    )
    np.testing.assert_array_equal(read_wav(path).samples, samples)


def test_a_file_cut_off_mid_data_is_read_up_to_the_last_whole_sample(tmp_path):
    samples = np.arange(100, dtype=np.int16)
    whole = riff(fmt(), chunk(b"data", samples.tobytes()))
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[:-51])  # 25 and a half samples missing
    audio = read_wav(path)
    assert audio.truncated
    np.testing.assert_array_equal(audio.samples, samples[:74])


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_an_unfinished_header_size_reads_to_the_end(tmp_path, size):
    samples = np.arange(10, dtype=np.int16)
    path = tmp_path / "unfinished.wav"
    path.write_bytes(riff(fmt(), chunk(b"data", samples.tobytes(), size=size), riff_size=0))
    audio = read_wav(path)
    assert audio.truncated
    np.testing.assert_array_equal(audio.samples, samples)


def test_an_empty_data_chunk_is_an_empty_recording(tmp_path):
    path = tmp_path / "empty.wav"
    write_wav(path, np.zeros(0, dtype=np.int16), "alaw")
    audio = read_wav(path)
    assert audio.samples.size == 0
    assert not audio.truncated


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"ID3\x03 this is an mp3", "not a RIFF/WAVE file"),
        (riff(chunk(b"data", b"\0\0")), "no valid fmt chunk"),
        (riff(fmt()), "no data chunk"),
        (riff(fmt(rate=16000), chunk(b"data", b"\0\0")), "sample rate 16000 Hz"),
        (riff(fmt(rate=44100, channels=2), chunk(b"data", b"\0" * 4)), "2 channels"),
        (riff(fmt(bits=24), chunk(b"data", b"\0" * 3)), "24 bits per sample"),
        (riff(fmt(tag=0x11, bits=4), chunk(b"data", b"\0")), "IMA ADPCM"),
        (riff(fmt(tag=3, bits=32), chunk(b"data", b"\0" * 4)), "32-bit float"),
        (riff(fmt(tag=0x1234), chunk(b"data", b"\0")), "format 0x1234"),
    ],
)
def test_files_the_tools_cannot_take_are_refused_by_name(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(WavError, match=message) as caught:
        read_wav(path)
    text = str(caught.value)
    assert text.startswith(str(path))
    assert "\n" not in text


def test_a_missing_file_is_a_wav_error(tmp_path):
    with pytest.raises(WavError, match="cannot read"):
        read_wav(tmp_path / "nope.wav")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_never_escapes_as_another_exception(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("fuzz") / "f.wav"
    for content in (blob, riff(fmt()) + blob, riff(fmt(tag=7, bits=8), chunk(b"data", blob))):
        path.write_bytes(content)
        try:
            audio = read_wav(path)
        except WavError:
            continue
        assert audio.samples.dtype == np.int16


def test_write_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(ValueError, match="int16"):
        write_wav(tmp_path / "f.wav", np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="unknown encoding"):
        write_wav(tmp_path / "f.wav", np.zeros(4, dtype=np.int16), "gsm")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.wav"
    write_wav(path, np.ones(10, dtype=np.int16))
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(WavError, match=r"keep\.wav: cannot write: No space"):
        write_wav(path, np.zeros(10, dtype=np.int16))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.wav"]
