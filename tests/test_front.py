"""The line front end: one C call a frame gives what each detector gives on its own.

``LineFront`` against ``DtmfDetector``, ``VoiceDetector`` and ``FskReceiver``
fed the same frames; ``LineDetectors`` (the engine's path, through the
front) against ``bench.front.SeparateDetectors`` (the old path, a call per
detector) over simulated calls, every phase and every country; the bank
(one call per tick for all lines) against a front per line; bad input;
and the benchmark's spandsp loops doing the work they are timed for.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.front import SeparateDetectors, line_audio
from dsp_ext import g711
from dsp_ext._binding import ffi, lib
from dsp_ext.dtmf import DtmfDetector, dtmf_generate
from dsp_ext.errors import DspInputError
from dsp_ext.front import MAX_SAMPLES, NOTHING, LineFront, LineFrontBank
from dsp_ext.fsk import FskReceiver
from dsp_ext.vad import VoiceDetector
from firmware.callerid import build_mdmf
from firmware.callerid.dtmf_format import format_dtmf_cid
from firmware.callerid.fsk_receiver import CallerIdReceiver as FskCallerIdReceiver
from firmware.callerid.generate import fsk_burst
from firmware.callerid.message import parse_message
from firmware.engine import state as machine
from firmware.engine.detectors import LineDetectors
from firmware.simulation.scenario import load
from firmware.simulation.sounds import box_sounds
from firmware.simulation.timeline import build_line

COUNTRIES = ("CN", "US", "GB", "DE")
PHASES = list(machine.Phase)


def mixed_audio(standard: str = "bell202", seed: int = 7) -> np.ndarray:
    """Silence, FSK caller ID, DTMF caller ID, dialled digits, and noise that comes and goes."""
    rng = np.random.default_rng(seed)
    message = build_mdmf(date="12011830", number="13912345678", name="ZHANG")
    parts = [
        np.zeros(4000, np.int16),
        fsk_burst(message, standard),
        np.zeros(3000, np.int16),
        dtmf_generate(format_dtmf_cid("13912345678"), level_dbm0=-15.0, on_ms=70, off_ms=70),
        np.zeros(6000, np.int16),
        dtmf_generate("0123456789*#ABCD", level_dbm0=-20.0, on_ms=50, off_ms=60),
        np.clip(rng.normal(0, 3000, 24000), -32768, 32767).astype(np.int16),
        np.zeros(30000, np.int16),
        fsk_burst(message, standard),
        dtmf_generate("555", level_dbm0=-10.0),
        np.clip(rng.normal(0, 2000, 8000), -32768, 32767).astype(np.int16),
    ]
    return np.concatenate([p.astype(np.int16) for p in parts])


def frames_of(audio: np.ndarray, size: int) -> list[np.ndarray]:
    return [audio[at : at + size] for at in range(0, audio.size, size)]


@pytest.mark.parametrize("size", [160, 80, 1, 333, MAX_SAMPLES, 1000])
@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_a_front_finds_what_each_detector_finds_alone(size, standard):
    audio = mixed_audio(standard)
    front = LineFront("CN", hangover_ms=500, fsk_standard=standard)
    dtmf = DtmfDetector("CN")
    voice = VoiceDetector(hangover_ms=500)
    fsk = FskReceiver(standard)
    digits, voice_events, fsk_events = [], [], []
    for index, frame in enumerate(frames_of(audio, size)):
        # FSK on some frames, as the phase allows: off over the digits and the noise
        listening = not 20_000 <= index * size < 70_000
        found = front.process(frame, listening)
        assert found.digits == dtmf.feed(frame)
        assert found.voice == voice.process(frame)
        assert found.fsk == (fsk.process(frame) if listening else [])
        assert front.dtmf.sounding == dtmf.sounding
        assert front.dtmf.samples_seen == dtmf.samples_seen
        assert front.voice_active == voice.active
        assert front.level_dbm0 == voice.level_dbm0
        assert front.noise_dbm0 == voice.noise_dbm0
        digits += found.digits
        voice_events += found.voice
        fsk_events += found.fsk
    assert front.dtmf.finish() == dtmf.finish()
    assert len(digits) >= 20
    assert {event.kind for event in voice_events} == {"start", "stop"}
    assert sum(event.kind == "char" for event in fsk_events) > 20


def test_a_quiet_frame_gives_the_shared_empty_answer_and_reset_starts_again():
    front = LineFront("CN", fsk_standard="bell202")
    audio = dtmf_generate("7", level_dbm0=-10.0)
    first = [d for f in frames_of(audio, 160) for d in front.process(f).digits]
    assert front.process(np.zeros(160, np.int16), True) is NOTHING
    front.reset()
    assert front.dtmf.samples_seen == 0
    again = [d for f in frames_of(audio, 160) for d in front.process(f).digits]
    assert first == again and [d.digit for d in first] == ["7"]


@pytest.mark.parametrize("size", [160, 1, 333, 1000])
@pytest.mark.parametrize("standard", ["bell202", "v23"])
def test_a_front_puts_the_fsk_characters_together_as_the_python_receiver_does(size, standard):
    rng = np.random.default_rng(size)
    message = build_mdmf(date="12011830", number="13912345678", name="ZHANG")
    audio = np.concatenate(
        [
            mixed_audio(standard),
            fsk_burst(message, standard)[:4500],  # cut short
            np.zeros(4000, np.int16),
            np.clip(rng.normal(0, 6000, 16000), -32768, 32767).astype(np.int16),
            fsk_burst(message, standard),
        ]
    )
    assembling = LineFront("CN", fsk_standard=standard)
    plain = LineFront("CN", fsk_standard=standard)
    receiver = FskCallerIdReceiver(standard, demodulate=False)
    made, expected = [], []
    for index, frame in enumerate(frames_of(audio, size)):
        listening = not 30_000 <= index * size < 60_000  # off over the digits and noise
        found = assembling.process(frame, listening, messages=True)
        reference = plain.process(frame, listening)
        assert found.fsk == []  # the FSK events make no findings
        assert (found.digits, found.voice) == (reference.digits, reference.voice)
        made += [parse_message(raw, start / 8000, standard) for start, raw in found.messages]
        expected += receiver.take_events(reference.fsk)
    assert made == expected
    assert sum(m.valid for m in made) >= 2 and any(not m.valid for m in made)


def test_a_front_without_fsk_ignores_the_flag():
    front = LineFront("CN")
    audio = mixed_audio()
    assert all(not front.process(f, True).fsk for f in frames_of(audio, 160))


def run_lines(make, audio_of_line, phase_of_frame, frames: int) -> list[list]:
    detectors = {line: make() for line in audio_of_line}
    events = {line: [] for line in audio_of_line}
    for index in range(frames):
        at = 1000.0 + index * 0.02
        for line, audio in audio_of_line.items():
            frame = audio(index)
            events[line].append(detectors[line].feed(frame, at, phase_of_frame(index, line)))
    return events


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_engine_path_gives_the_old_paths_events_in_every_phase(country):
    audio = mixed_audio("v23" if country in ("GB", "DE") else "bell202")
    frame_count = audio.size // 160 + 1

    def audio_of(shift):
        shifted = np.roll(audio, shift)
        return lambda index: np.ascontiguousarray(shifted[index * 160 : index * 160 + 160])

    lines = {line: audio_of(line * 4321) for line in range(4)}

    def phase(index, line):
        return PHASES[(index // (40 + 13 * line)) % len(PHASES)]

    for caller_id in (True, False):
        new = run_lines(
            lambda caller_id=caller_id: LineDetectors(country, -40.0, 800, caller_id=caller_id),
            lines,
            phase,
            frame_count,
        )
        old = run_lines(
            lambda caller_id=caller_id: SeparateDetectors(
                country, -40.0, 800, caller_id=caller_id
            ),
            lines,
            phase,
            frame_count,
        )
        assert new == old
        kinds = {type(e).__name__ for frames in new.values() for found in frames for e in found}
        assert {"Digit", "VoiceStarted", "VoiceStopped"} <= kinds
        assert ("CallerIdReceived" in kinds) == caller_id


@pytest.mark.parametrize("pause_ms", [300, 400, 450, 900])
def test_a_held_dtmf_caller_id_string_ends_by_its_gap_as_on_the_old_path(pause_ms):
    """Digits with no end character, then a pause about the receiver's 0.5 s gap, then
    a whole caller-ID string: joined to the first or read on its own, as before."""
    cid = format_dtmf_cid("13912345678")
    audio = np.concatenate(
        [
            np.zeros(800, np.int16),
            dtmf_generate("A139", level_dbm0=-15.0, on_ms=70, off_ms=70),
            np.zeros(pause_ms * 8, np.int16),
            dtmf_generate(cid, level_dbm0=-15.0, on_ms=70, off_ms=70),
            np.zeros(8000, np.int16),
        ]
    )
    frames = audio.size // 160

    def line(index):
        return np.ascontiguousarray(audio[index * 160 : index * 160 + 160])

    def idle(index, line):
        return machine.Phase.IDLE

    new = run_lines(lambda: LineDetectors("CN"), {0: line}, idle, frames)
    old = run_lines(lambda: SeparateDetectors("CN"), {0: line}, idle, frames)
    assert new == old
    received = [e for found in new[0] for e in found if isinstance(e, machine.CallerIdReceived)]
    numbers = [e.number for e in received]
    # the gap runs from the end of the last tone: the pause and the 70 ms after it
    assert numbers == (["13912345678"] if pause_ms + 70 > 500 else [])


def test_the_engine_path_gives_the_old_paths_events_on_simulated_calls():
    office = load("demo-office")
    sounds = box_sounds()
    timelines = {line: build_line(office, line, sounds) for line in range(1, 5)}
    lines = {
        line: (lambda index, t=timeline: t.render(index * 160, 160))
        for line, timeline in timelines.items()
    }

    def phase(index, line):
        return PHASES[(index // 250 + line) % len(PHASES)]

    frame_count = 240 * 50
    new = run_lines(lambda: LineDetectors(office.country), lines, phase, frame_count)
    old = run_lines(lambda: SeparateDetectors(office.country), lines, phase, frame_count)
    assert new == old
    kinds = {type(e).__name__ for frames in new.values() for found in frames for e in found}
    assert {"CallerIdReceived", "VoiceStarted", "VoiceStopped"} <= kinds


def quiet_frames_after(detectors: LineDetectors, since: float) -> list:
    """(line time, event) of 40 quiet frames from ``since``, the line ringing."""
    found = []
    for index in range(40):
        at = since + index * 0.02
        found += [(round(at, 2), e) for e in detectors.feed(QUIET, at, machine.Phase.RINGING)]
    return found


QUIET = np.zeros(160, np.int16)


def test_a_rotary_digit_ends_on_the_first_quiet_frame_past_its_pause():
    """The quiet frame's quick way out must not skip what is due after a pause."""
    detectors = LineDetectors("CN")
    for pulse in range(3):
        assert detectors.pulse(10.0 + pulse * 0.1) == []
    found = quiet_frames_after(detectors, 10.2)
    assert [(at, e.digit) for at, e in found] == [(10.5, "3")]  # 0.3 s after the last pulse


def test_a_modems_report_without_a_name_ends_on_the_first_quiet_frame_past_its_pause():
    detectors = LineDetectors("CN")
    assert detectors.modem_report("NMBR = 13912345678", 10.2) == []
    found = quiet_frames_after(detectors, 10.2)
    assert [(at, e.number) for at, e in found] == [(10.5, "13912345678")]


@pytest.mark.parametrize(("lines", "lead"), [(5, 0), (11, 0), (16, 0), (9, 100), (17, 100)])
def test_a_bank_finds_what_a_front_per_line_finds(lines, lead):
    """Eight lines' voice detectors go side by side; odd counts, and a line
    whose 10 ms blocks do not line up with its frames (``lead``), go alone."""
    audio = mixed_audio()
    line_audio = np.stack([np.roll(audio, 977 * line) for line in range(lines)])
    bank = LineFrontBank([LineFront("CN", fsk_standard="bell202") for _ in range(lines)])
    alone = [LineFront("CN", fsk_standard="bell202") for _ in range(lines)]
    if lead:
        first = line_audio[0, :lead].copy()
        assert bank.fronts[0].process(first) == alone[0].process(first)
    found_any = False
    for index, at in enumerate(range(lead, audio.size - 160, 160)):
        flags = tuple((index // 9 + line) % 2 == 0 for line in range(lines))
        block = np.ascontiguousarray(line_audio[:, at : at + 160])
        together = bank.process(block, flags)
        for line in range(lines):
            expected = alone[line].process(block[line].copy(), flags[line])
            assert together[line] == expected
            assert bank.fronts[line].dtmf.sounding == alone[line].dtmf.sounding
            assert bank.fronts[line].level_dbm0 == alone[line].level_dbm0
            assert bank.fronts[line].noise_dbm0 == alone[line].noise_dbm0
            found_any = found_any or expected is not NOTHING
    assert found_any


def test_a_bank_puts_the_fsk_characters_together_as_a_front_alone_does():
    audio = mixed_audio("v23")
    lines = 3
    line_audio = np.stack([np.roll(audio, 3001 * line) for line in range(lines)])
    bank = LineFrontBank([LineFront("GB", fsk_standard="v23") for _ in range(lines)], messages=True)
    alone = [LineFront("GB", fsk_standard="v23") for _ in range(lines)]
    messages = 0
    for index, at in enumerate(range(0, audio.size - 160, 160)):
        flags = tuple((index // 50 + line) % 3 != 0 for line in range(lines))
        block = np.ascontiguousarray(line_audio[:, at : at + 160])
        together = bank.process(block, flags)
        for line in range(lines):
            expected = alone[line].process(block[line].copy(), flags[line], messages=True)
            assert together[line] == expected
            messages += len(expected.messages)
    assert messages >= lines


def random_line(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Silence, noise, DTMF digits, speech-like bursts and full-scale clipping, at random."""
    parts, length = [], 0
    while length < samples:
        kind = rng.integers(5)
        size = int(rng.integers(20, 4000))
        if kind == 0:
            part = np.zeros(size)
        elif kind == 1:
            part = rng.normal(0, 10 ** rng.uniform(0, 4.3), size)
        elif kind == 2:
            digits = "".join(rng.choice(list("0123456789*#ABCD"), int(rng.integers(1, 4))))
            part = dtmf_generate(
                digits,
                level_dbm0=float(rng.uniform(-40, 0)),
                on_ms=int(rng.integers(30, 120)),
                off_ms=int(rng.integers(20, 120)),
            ) + rng.normal(0, 10 ** rng.uniform(0, 3), 1)
        elif kind == 3:
            t = np.arange(size) / 8000
            part = 8000 * np.sin(2 * np.pi * 180 * t) * np.sin(2 * np.pi * 3 * t)
        else:
            part = np.where(rng.random(size) < 0.5, -32768.0, 32767.0)
        parts.append(part)
        length += part.size
    return np.clip(np.concatenate(parts)[:samples], -32768, 32767).astype(np.int16)


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_a_bank_gives_each_line_what_it_gives_alone_on_random_audio(seed):
    """Random lines, some fed a lead on their own first (so their DTMF sub-blocks
    and voice blocks do not line up with the others'), then random frame sizes."""
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    lines = int(rng.integers(1, 20))
    ticks = 120
    audio = np.stack([random_line(rng, ticks * MAX_SAMPLES + 200) for _ in range(lines)])
    standard = "bell202" if seed % 2 else "v23"
    bank = LineFrontBank([LineFront("US", fsk_standard=standard) for _ in range(lines)])
    alone = [LineFront("US", fsk_standard=standard) for _ in range(lines)]
    fed = np.zeros(lines, int)
    for line in range(lines):
        lead = int(rng.choice([0, 0, 1, 13, 26, 40, 80, 100]))
        if lead:
            first = audio[line, :lead].copy()
            assert bank.fronts[line].process(first) == alone[line].process(first)
            fed[line] = lead
    found = 0
    for _ in range(ticks):
        size = int(rng.choice([160, 160, 160, 80, 26, 1, 77, MAX_SAMPLES]))
        flags = tuple(bool(flag) for flag in rng.random(lines) < 0.5)
        block = np.stack([audio[line, fed[line] : fed[line] + size] for line in range(lines)])
        fed += size
        together = bank.process(block, flags)
        for line in range(lines):
            expected = alone[line].process(block[line].copy(), flags[line])
            assert together[line] == expected, f"line {line}"
            assert bank.fronts[line].dtmf.sounding == alone[line].dtmf.sounding
            assert bank.fronts[line].voice_active == alone[line].voice_active
            assert bank.fronts[line].level_dbm0 == alone[line].level_dbm0
            assert bank.fronts[line].noise_dbm0 == alone[line].noise_dbm0
            found += expected is not NOTHING
    for line in range(lines):
        assert bank.fronts[line].dtmf.finish() == alone[line].dtmf.finish()
    assert found


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros(160, np.float32),
        np.zeros((2, 80), np.int16),
        np.zeros(320, np.int16)[::2],
        np.zeros(0, np.int16),
        [0] * 160,
    ],
)
def test_a_front_refuses_what_is_not_a_frame(frame):
    with pytest.raises(DspInputError, match=r"LineFront\.process"):
        LineFront("CN").process(frame)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hangover_ms": -1}, "voice parameters"),
        ({"threshold_dbm0": 5.0}, "voice parameters"),
        ({"fsk_standard": "v21"}, "standard"),
        ({"profile": "XX"}, "profile"),
    ],
)
def test_a_front_refuses_bad_settings(kwargs, match):
    with pytest.raises(DspInputError, match=match):
        LineFront(**kwargs)


def test_a_bank_refuses_frames_of_the_wrong_shape_or_flags():
    bank = LineFrontBank([LineFront("CN") for _ in range(3)])
    with pytest.raises(DspInputError, match="shape"):
        bank.process(np.zeros((2, 160), np.int16))
    with pytest.raises(DspInputError, match="shape"):
        bank.process(np.zeros((3, MAX_SAMPLES + 1), np.int16))
    with pytest.raises(DspInputError, match="one flag per line"):
        bank.process(np.zeros((3, 160), np.int16), (True,))
    with pytest.raises(DspInputError, match="at least one"):
        LineFrontBank([])


def test_the_c_front_checks_its_arguments():
    result = ffi.new("lr_front_result *")
    samples = ffi.new("int16_t[]", MAX_SAMPLES + 1)
    memory = ffi.new("uint64_t[]", (lib.lr_front_state_size() + 7) // 8)
    front = ffi.cast("lr_front *", memory)
    assert lib.lr_front_process(front, samples, 160, 0, result) == lib.LR_ERR_STATE
    params = ffi.new("lr_front_params *")
    lib.lr_dtmf_rx_default_params(ffi.addressof(params.dtmf))
    lib.lr_vad_default_params(ffi.addressof(params.voice))
    params.fsk_standard = 7
    assert lib.lr_front_init(front, params) == lib.LR_ERR_ARG
    params.fsk_standard = lib.LR_FSK_V23
    assert lib.lr_front_init(front, params) == lib.LR_OK
    assert lib.lr_front_process(front, samples, MAX_SAMPLES + 1, 0, result) == lib.LR_ERR_ARG
    assert lib.lr_front_process(front, ffi.NULL, 0, 0, result) == 0
    assert lib.lr_front_process(front, ffi.NULL, 160, 0, result) == lib.LR_ERR_NULL
    assert lib.lr_front_process(front, samples, MAX_SAMPLES, lib.LR_FRONT_FSK, result) == 0
    assert result.samples == MAX_SAMPLES
    assert lib.lr_front_dtmf(ffi.NULL) == ffi.NULL


def test_the_c_front_takes_a_frame_as_its_bytes_into_the_bound_result():
    audio = mixed_audio("v23")
    by_bytes = LineFront("CN", fsk_standard="v23")
    by_array = LineFront("CN", fsk_standard="v23")
    for frame in frames_of(audio, 160):
        data = frame.tobytes()
        count = lib.lr_front_feed(by_bytes.state, data, len(data), lib.LR_FRONT_FSK)
        expected = by_array.process(frame, True)
        assert count >= 0
        assert (by_bytes.findings() if count else NOTHING) == expected
        assert by_bytes.dtmf.sounding == by_array.dtmf.sounding
    # an odd address is copied first; odd byte counts and long frames are refused
    odd = bytearray(2 * MAX_SAMPLES + 1)
    pointer = ffi.from_buffer("char[]", odd)
    assert lib.lr_front_feed(by_bytes.state, pointer + 1, 160, 0) == 0
    assert lib.lr_front_feed(by_bytes.state, b"\0" * 3, 3, 0) == lib.LR_ERR_ARG
    assert lib.lr_front_feed(by_bytes.state, pointer, 2 * MAX_SAMPLES + 1, 0) == lib.LR_ERR_ARG
    assert lib.lr_front_feed(ffi.NULL, b"\0\0", 2, 0) == lib.LR_ERR_NULL
    assert lib.lr_front_bind(by_bytes.state, ffi.NULL) == lib.LR_OK
    assert lib.lr_front_feed(by_bytes.state, b"\0\0", 2, 0) == lib.LR_ERR_NULL
    assert lib.lr_front_bind(ffi.NULL, ffi.NULL) == lib.LR_ERR_NULL
    assert lib.lr_front_sounding(ffi.NULL, ffi.NULL) == 0


def test_a_digit_that_only_starts_leaves_the_frame_quiet_and_sounds():
    front = LineFront("CN", threshold_dbm0=0.0)  # no voice, for the digit alone
    tone = dtmf_generate("5", level_dbm0=-10.0, on_ms=200, off_ms=0)
    found = [front.process(frame) for frame in frames_of(tone[:1280], 160)]
    assert all(f is NOTHING for f in found)
    sounding = front.dtmf.sounding
    assert sounding is not None and sounding.digit == "5" and sounding.end is None
    ended = [d for f in frames_of(np.zeros(1600, np.int16), 160) for d in front.process(f).digits]
    assert [d.digit for d in ended] == ["5"] and ended[0].start == sounding.start
    assert front.dtmf.sounding is None


def test_the_c_bank_lists_the_lines_that_found_something():
    bank = LineFrontBank([LineFront("CN") for _ in range(3)])
    found = ffi.new("uint32_t[]", 3)
    frames = np.zeros((3, 160), np.int16)
    frames[1] = np.clip(np.random.default_rng(3).normal(0, 8000, 160), -32768, 32767)
    pointer = ffi.from_buffer("int16_t[]", frames)

    def process(lines_found):
        return lib.lr_front_process_lines(
            bank._pointers, pointer, 3, 160, bank._flags, bank._results, lines_found
        )

    assert process(ffi.NULL) == lib.LR_ERR_NULL
    assert process(found) == 0  # voice starts after 30 ms: three 10 ms blocks
    assert process(found) == 1 and found[0] == 1
    assert bank._results[1].n_voice == 1
    assert bank._results[0].n_voice == bank._results[2].n_voice == 0
    assert process(found) == 0


def test_the_benchmarks_spandsp_loop_hears_the_digits_ours_hears(spandsp):
    """bench.front's peer does the work it is timed for: every line's digits."""
    peer_ffi, peer = spandsp
    audio = line_audio(2)[:3]
    flat = np.ascontiguousarray(audio)
    pointer = peer_ffi.from_buffer("int16_t[]", flat)
    ours = 0
    for line in range(3):
        front = LineFront("CN")
        ours += sum(len(front.process(f).digits) for f in frames_of(flat[line], 160))
        ours += len(front.dtmf.finish())
    for standard in (0, 1, 2):
        assert peer.peer_spandsp_front_run_lines(pointer, 3, flat.shape[1], 160, standard) == ours


def test_the_benchmarks_spandsp_transcoder_agrees_with_ours(spandsp):
    peer_ffi, peer = spandsp
    codes = np.random.default_rng(5).integers(0, 256, 1000, dtype=np.uint8)
    out = np.zeros_like(codes)
    for law, ours in ((0, g711.alaw_to_ulaw), (1, g711.ulaw_to_alaw)):
        peer.peer_spandsp_g711_transcode_frames(
            law, peer_ffi.from_buffer("uint8_t[]", codes), codes.size, 160,
            peer_ffi.from_buffer("uint8_t[]", out),
        )
        np.testing.assert_array_equal(out, ours(codes))
