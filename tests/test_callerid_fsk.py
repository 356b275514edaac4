"""Caller ID over FSK end to end: generator -> line -> receiver, against DSP_SPEC.md.

Every test prints its seed (the ``rng`` fixture) and the tables it measured.
The short sweeps run by default; ``-m slow`` runs the full ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.fsk import FskReceiver
from firmware.callerid import (
    build_mdmf,
    build_message_waiting,
    build_sdmf,
    decode_audio,
    decode_fsk,
)
from firmware.callerid.generate import CALL_WAITING_MARK_BITS, dtas_signal, fsk_burst
from tests.callerid.harness import (
    add_noise,
    ours_decodes,
    random_message,
    run_sweep,
    spandsp_burst,
    spandsp_messages,
    trial_audio,
)
from tests.callerid.shaped import FIRST_CHAR_BIT, burst_bits, shaped_fsk
from tests.support.blocks import random_blocks

STANDARDS = ["bell202", "v23"]
LEVEL_DBM0 = -20.0  # the S/N sweeps' signal level, inside both receivers' range

MESSAGES = {
    "sdmf": build_sdmf("11231042", "13800138000"),
    "sdmf_private": build_sdmf("11231042", reason_absent="P"),
    "sdmf_out_of_area": build_sdmf("11231042", reason_absent="O"),
    "mdmf_full": build_mdmf(
        date="11231042", number="13800138000", dialable_number="013800138000",
        name="ZHANG SAN",
    ),
    "mdmf_private": build_mdmf(date="01020304", reason_absent="P", name_absent="P"),
    "mdmf_unknown_parameter": build_mdmf(
        date="01020304", number="5551234", extra=((0x11, b"\x01"), (0x55, b"xyz"))
    ),
    "mwi_sdmf_on": build_message_waiting(True),
    "mwi_sdmf_off": build_message_waiting(False),
    "mwi_mdmf_on": build_message_waiting(True, mdmf=True),
}


def _pad(burst: np.ndarray, lead: int = 800, tail: int = 800) -> np.ndarray:
    return np.concatenate(
        [np.zeros(lead, np.int16), burst, np.zeros(tail, np.int16)]
    ).astype(np.int16)


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_format_round_trips(standard, name):
    message = MESSAGES[name]
    found = decode_fsk(_pad(fsk_burst(message, standard)), standard)
    assert len(found) == 1, found
    caller_id = found[0]
    assert caller_id.raw == message
    assert caller_id.checksum_ok is True
    assert caller_id.valid
    assert caller_id.carrier == standard
    assert caller_id.start_s == pytest.approx(0.1, abs=0.01)  # the seizure starts at 800


def test_parsed_fields_reach_the_caller_id_object():
    found = decode_fsk(_pad(fsk_burst(MESSAGES["mdmf_full"])), "bell202")[0]
    assert (found.format, found.number, found.name, found.date) == (
        "MDMF", "13800138000", "ZHANG SAN", "11231042",
    )
    assert found.dialable_number == "013800138000"
    private = decode_fsk(_pad(fsk_burst(MESSAGES["sdmf_private"])), "bell202")[0]
    assert (private.format, private.number, private.reason_absent) == ("SDMF", None, "P")
    unknown = decode_fsk(_pad(fsk_burst(MESSAGES["mdmf_unknown_parameter"])), "v23")[0]
    assert (0x55, b"xyz") in unknown.parameters


def test_bad_checksum_is_reported_not_accepted():
    message = bytearray(MESSAGES["sdmf"])
    message[-1] ^= 0x01
    found = decode_fsk(_pad(fsk_burst(bytes(message))), "bell202")
    assert len(found) == 1
    assert found[0].checksum_ok is False
    assert not found[0].valid
    assert found[0].number == "13800138000"  # shown as received, flagged


@pytest.mark.parametrize("standard", STANDARDS)
def test_truncated_burst_is_flagged(standard, rng):
    message = MESSAGES["mdmf_full"]
    burst = fsk_burst(message, standard, trailing_marks=0)
    # cut inside the message, at a random byte after the length
    cut_bits = 480 + 10 * int(rng.integers(3, len(message) - 1))
    cut = burst[: int(cut_bits * 8000 / 1200)]
    found = decode_fsk(_pad(cut), standard)
    assert found, "a burst cut short must still be reported"
    assert all(not c.valid for c in found)
    assert found[0].problem == "truncated"


@pytest.mark.parametrize("standard", STANDARDS)
def test_garbled_bursts_never_give_a_valid_wrong_number(standard, rng):
    """Messages sent with 1-3 bits flipped: whatever fails its checksum never comes out
    valid; the few flips that cancel in the sum are a limit of the checksum itself."""
    rejected = 0
    for _ in range(60):
        message = random_message(rng)
        garbled = build_corrupted(message, rng)
        audio = _pad(fsk_burst(garbled, standard))
        results = decode_fsk(audio, standard)
        assert results, "every burst gives a report"
        for caller_id in results:
            # a clean line: received as sent, framed by the (maybe garbled) length byte
            assert garbled.startswith(caller_id.raw)
            if caller_id.valid:
                assert sum(caller_id.raw) % 256 == 0
        rejected += not any(c.valid for c in results)
    print(f"\n{standard}: {rejected}/60 garbled messages rejected")
    assert rejected >= 50


def build_corrupted(message: bytes, rng: np.random.Generator) -> bytes:
    """``message`` with 1-3 bits flipped somewhere (checksum not recomputed)."""
    data = bytearray(message)
    for _ in range(int(rng.integers(1, 4))):
        position = int(rng.integers(0, len(data)))
        data[position] ^= 1 << int(rng.integers(0, 8))
    return bytes(data)


@pytest.mark.parametrize("standard", STANDARDS)
def test_random_noise_and_speechlike_signals_give_nothing_valid(standard, rng):
    noise = rng.normal(0, 3000, 8000 * 20)
    chirp = 8000 * np.sin(2 * np.pi * np.cumsum(np.linspace(300, 3000, noise.size)) / 8000)
    for signal in (noise, chirp + noise / 4):
        audio = np.clip(signal, -32768, 32767).astype(np.int16)
        assert not [c for c in decode_fsk(audio, standard) if c.valid]


@pytest.mark.parametrize("standard", STANDARDS)
def test_call_waiting_burst_without_seizure(standard, rng):
    for _ in range(10):
        message = random_message(rng)
        audio = trial_audio(rng, message, standard, -20, 15, seizure_bits=0,
                            mark_bits=CALL_WAITING_MARK_BITS)
        assert ours_decodes(audio, message, standard)


@pytest.mark.parametrize("standard", STANDARDS)
def test_noise_requirement(standard, rng, spandsp):
    """DSP_SPEC: 50/50 at 8 dB S/N and at least 45/50 at 6 dB. At 8 dB the receiver loses
    about one Bell 202 message in 18 000 to the noise (docs/callerid.md), so about one run in
    360 fails here; the seed printed replays it, and tests/callerid/failure_rate.py measures
    the rate over as many trials as wanted."""
    sweep = run_sweep(
        rng, f"S/N sweep, {standard}, {LEVEL_DBM0:g} dBm0, messages decoded",
        [(f"{snr} dB", LEVEL_DBM0, snr) for snr in (12, 8, 6)], standard, 50, spandsp=spandsp,
    )
    rows = {row.label: row for row in sweep.rows}
    assert rows["8 dB"].ours == 50
    assert rows["6 dB"].ours >= 45
    assert rows["8 dB"].ours >= rows["8 dB"].spandsp


def _valid_messages(audio: np.ndarray, standard: str) -> list[bytes]:
    return [c.raw for c in decode_fsk(audio, standard) if c.valid]


@pytest.mark.parametrize("standard", STANDARDS)
def test_first_start_edge_found_when_its_crossing_is_not_confirmed(standard):
    """The first start bit and the data bit after it come 14 dB down, too weak for the
    discriminator to confirm the start edge (as noise at 8 dB S/N sometimes makes it), and
    the mark run lasts a fraction of a bit more than whole bits, so that the clock set on
    the seizure is that far off when the message starts. Framed on that clock, the first
    character is misread and the second's start bit read as mark: every character after
    it is misframed. The start edge must be placed where it is all the same."""
    message = MESSAGES["mdmf_full"]
    bits = burst_bits(message)
    gains = np.ones(bits.size)
    gains[FIRST_CHAR_BIT : FIRST_CHAR_BIT + 2] = 0.2
    missed = []
    for extra in np.arange(0.0, 1.0, 0.05):
        lengths = np.ones(bits.size)
        lengths[FIRST_CHAR_BIT - 1] += extra
        audio = shaped_fsk(bits, standard, lengths=lengths, gains=gains)
        if _valid_messages(audio, standard) != [message]:
            missed.append(round(float(extra), 2))
    assert missed == [], f"mark run longer by these fractions of a bit: {missed}"


def test_start_bit_read_as_mark_by_a_small_margin_is_still_a_start_bit():
    """Bell 202: in each of the first 19 characters in turn, the stop bit's mark tone
    lingers on at 55.5 % of the amplitude (turned by 15/8 pi) through the next start bit,
    which then reads mark by a small margin for some of them. Taken as an idle mark, the
    framer would wait for the next space, a data bit, and misframe the rest of the
    message; since characters come back to back, it is read both ways until the stop bit."""
    message = MESSAGES["mdmf_full"]
    bits = burst_bits(message)
    lost = []
    for index in range(1, 20):
        linger = np.zeros(bits.size)
        linger[FIRST_CHAR_BIT + 10 * index] = 0.555
        audio = shaped_fsk(bits, "bell202", linger=linger, linger_turn=15 * np.pi / 8)
        if _valid_messages(audio, "bell202") != [message]:
            lost.append(index)
    assert lost == [], f"lost with a weak start bit in characters {lost}"


@pytest.mark.parametrize(("share", "turn"), [(0.56, 15 * np.pi / 8), (0.57, 0.0)])
def test_weak_idle_mark_after_the_last_character_adds_nothing(share, turn):
    """Bell 202: the bit after the last stop bit reads mark by a small margin only (a
    space with the stop bit's mark lingering on). Read both ways, it must end up idle, the
    would-be character being all marks: no extra character, and the burst still ends."""
    message = MESSAGES["mdmf_full"]
    bits = burst_bits(message, trailing_marks=30)
    after_last = FIRST_CHAR_BIT + 10 * len(message)
    bits[after_last] = 0
    linger = np.zeros(bits.size)
    linger[after_last] = share
    events = FskReceiver("bell202").process(
        shaped_fsk(bits, "bell202", linger=linger, linger_turn=turn)
    )
    assert bytes(e.value for e in events if e.kind == "char") == message
    assert events[-1].kind == "end"


@pytest.mark.slow
@pytest.mark.parametrize("standard", STANDARDS)
def test_noise_sweep_full(standard, rng, spandsp):
    """14 dB down to 4 dB in 1 dB steps, 50 messages each, both receivers."""
    sweep = run_sweep(
        rng, f"S/N sweep, {standard}, {LEVEL_DBM0:g} dBm0, messages decoded",
        [(f"{snr} dB", LEVEL_DBM0, snr) for snr in range(14, 3, -1)], standard, 50, spandsp=spandsp,
    )
    rows = {row.label: row for row in sweep.rows}
    for snr in range(14, 7, -1):
        assert rows[f"{snr} dB"].ours == 50
    assert rows["7 dB"].ours >= 48
    assert rows["6 dB"].ours >= 45


@pytest.mark.parametrize("standard", STANDARDS)
def test_level_requirement(standard, rng, spandsp):
    """DSP_SPEC: decodes from -8 down to at least -40 dBm0 (we sweep -4 to -46)."""
    points = [(f"{level} dBm0", level, None) for level in (-4, -8, -20, -30, -36, -40, -46)]
    sweep = run_sweep(rng, f"level sweep, {standard}, no added noise", points, standard, 5,
                      spandsp=spandsp)
    for row in sweep.rows:
        assert row.ours == row.trials, row


@pytest.mark.slow
@pytest.mark.parametrize("standard", STANDARDS)
def test_level_sweep_full(standard, rng, spandsp):
    points = [(f"{level} dBm0", level, None) for level in range(-4, -47, -2)]
    sweep = run_sweep(rng, f"level sweep, {standard}, no added noise", points, standard, 20,
                      spandsp=spandsp)
    for row in sweep.rows:
        assert row.ours == row.trials, row
    # with line noise 35 dB under -10 dBm0 too: the level range is not only about quantisation
    noisy = run_sweep(rng, f"level sweep, {standard}, 20 dB S/N", [
        (f"{level} dBm0", level, 20.0) for level in range(-4, -47, -6)
    ], standard, 20, spandsp=spandsp)
    for row in noisy.rows:
        assert row.ours == row.trials, row


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize(("freq_offset", "baud_offset"), [
    (0.01, 0.0), (-0.01, 0.0), (0.0, 0.01), (0.0, -0.01), (0.01, -0.01), (-0.01, 0.01),
])
def test_frequency_and_rate_offsets(standard, freq_offset, baud_offset, rng):
    """+-1 % on the tones and on the bit rate, at 10 dB S/N."""
    sweep = run_sweep(
        rng, f"{standard} tones {freq_offset:+.0%} bit rate {baud_offset:+.0%}",
        [("10 dB", LEVEL_DBM0, 10.0)], standard, 10,
        freq_offset=freq_offset, baud_offset=baud_offset,
    )
    assert sweep.rows[0].ours == 10


@pytest.mark.slow
@pytest.mark.parametrize("standard", STANDARDS)
def test_offset_sweep_full(standard, rng):
    points = [(f"{snr} dB", LEVEL_DBM0, snr) for snr in (8, 6)]
    for offset in (-0.02, -0.01, -0.005, 0.005, 0.01, 0.02):
        tones = run_sweep(rng, f"{standard}, tones {offset:+.1%}", points, standard, 50,
                          freq_offset=offset)
        rate = run_sweep(rng, f"{standard}, bit rate {offset:+.1%}", points, standard, 50,
                         baud_offset=offset)
        if abs(offset) <= 0.01:
            # robust to +-1 %: clean at 8 dB, and at 6 dB within two messages of the
            # nominal requirement (45/50) allowed for the sampling spread of 50 trials
            for sweep in (tones, rate):
                assert sweep.rows[0].ours == 50
                assert sweep.rows[1].ours >= 43


@pytest.mark.parametrize("standard", STANDARDS)
def test_spandsp_transmitter_into_our_receiver(standard, rng, spandsp):
    for _ in range(10):
        message = random_message(rng)
        audio = _pad(spandsp_burst(spandsp, message, standard))
        assert ours_decodes(audio, message, standard)
        noisy = add_noise(rng, audio, 100.0)  # spandsp sends -14 dBm0: about 27 dB S/N
        assert ours_decodes(noisy, message, standard)


@pytest.mark.parametrize("standard", STANDARDS)
def test_our_transmitter_into_spandsp_receiver(standard, rng, spandsp):
    for _ in range(10):
        message = random_message(rng)
        audio = _pad(fsk_burst(message, standard, level_dbm0=-14))
        assert message[:-1] in spandsp_messages(spandsp, audio, standard)


def test_receiver_takes_any_block_size(rng):
    """The same events whatever the split of the input (state carries over)."""
    from firmware.callerid import CallerIdReceiver  # noqa: PLC0415

    message = random_message(rng)
    audio = trial_audio(rng, message, "bell202", -20, 12)
    whole = decode_fsk(audio, "bell202")
    receiver = CallerIdReceiver("bell202")
    pieces = [c for block in random_blocks(audio, rng, 400) for c in receiver.feed(block)]
    pieces += receiver.finish()
    assert pieces == whole
    assert [c.raw for c in whole if c.valid] == [message]


def test_etsi_before_first_ring_with_dtas():
    """DT-AS, 100 ms later the V.23 burst: both found, in order and on time."""
    from dsp_ext.dtas import DtasDetector  # noqa: PLC0415

    message = MESSAGES["mdmf_full"]
    alert = dtas_signal(100.0, -15.0)
    audio = _pad(np.concatenate([alert, np.zeros(800, np.int16), fsk_burst(message, "v23")]))
    tones = DtasDetector().process(audio)
    assert len(tones) == 1
    assert abs(tones[0].start - 800) <= 80 and abs(tones[0].end - 1600) <= 80
    found = [c for c in decode_audio(audio) if c.valid]
    assert [c.raw for c in found] == [message]
    assert found[0].carrier == "v23"
    assert found[0].start_s == pytest.approx(2400 / 8000, abs=0.01)


def test_cli_cid(tmp_path, capsys):
    import json  # noqa: PLC0415

    from firmware.cli.commands import main  # noqa: PLC0415
    from firmware.tools.wavfile import write_wav  # noqa: PLC0415

    message = MESSAGES["mdmf_full"]
    path = tmp_path / "cid.wav"
    write_wav(path, _pad(fsk_burst(message, "v23")), "alaw")
    assert main(["dsp", "cid", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    (report,) = [json.loads(line) for line in lines]
    assert report.pop("start_s") == pytest.approx(0.1, abs=0.01)  # seizure starts at 0.1 s
    assert report == {
        "format": "MDMF", "number": "13800138000", "name": "ZHANG SAN", "date": "11231042",
        "reason_absent": None, "checksum_ok": True,
    }
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt ")
    assert main(["dsp", "cid", str(bad)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("linerec: error:") and error.count("\n") == 1
