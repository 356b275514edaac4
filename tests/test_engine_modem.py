"""The engine on a voice-modem line: ring, caller ID, pick-up, recording, hang-up, logged;
the box acting on it (the survey) through a modem with and without full duplex."""

from __future__ import annotations

import dataclasses
import json
import queue
import time

import numpy as np
import pytest

from drivers.modem import DLE, shield
from drivers.voice_codecs import SampleFormat, VoiceDecoder, encode_samples, ulaw_table
from dsp_ext.dtmf import dtmf_generate
from firmware.cli.processes import open_configured_line
from firmware.config import ConfigStore, Line, Recording, Voicemail, default_config
from firmware.engine import Engine
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.firewall import Actor, Firewall, ListEntry
from firmware.store.ivr_menus import IvrMenus
from firmware.tools.wavfile import read_wav
from tests.drivers_fakes import FakeModem, driver_threads
from tests.test_acts import HYBRID, PROMPTS
from tests.test_drivers_modem_line import modem_replies, ulaw_of
from tests.test_ivr_line import AUTHOR, MENU
from tests.test_ivr_line import PROMPTS as MENU_PROMPTS

WAIT = 10.0
FRAME_BYTES = 160  # one 20 ms frame of mu-law


def next_event(events: queue.Queue, kind: str, timeout=WAIT) -> contract.Event:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if event.kind.value == kind:
            return event
    raise AssertionError(f"no {kind!r} event came")


def events_of(events: queue.Queue, *kinds: str, timeout=WAIT) -> dict[str, contract.Event]:
    """The next event of each of ``kinds``, in whatever order they come."""
    found: dict[str, contract.Event] = {}
    deadline = time.monotonic() + timeout
    while set(found) != set(kinds) and (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if event.kind.value in kinds:
            found.setdefault(event.kind.value, event)
    assert set(found) == set(kinds), f"only {sorted(found)} of {sorted(kinds)} came"
    return found


@pytest.fixture
def modem_engine(tmp_path):
    fake = FakeModem(modem_replies())
    config = default_config(1)
    line = Line(
        number=1,
        name="Front desk",
        modem=f"serial:{fake.port}?listen=5&ring_ms=300",
        recording=Recording(encoding="pcm16"),  # bit-exact, to compare with what was sent
    )
    ConfigStore(tmp_path).save(type(config)(config.device, [line]))
    events: queue.Queue = queue.Queue()
    engine = Engine(tmp_path, open_configured_line, publish=events.put)
    engine.start()
    yield fake, events
    engine.stop()
    fake.close()
    assert driver_threads() == []


def test_a_call_on_a_modem_line_is_logged_with_caller_id_and_recorded(
    modem_engine, tmp_path, rng
):
    fake, events = modem_engine
    fake.send(b"\r\nRING\r\n")
    next_event(events, "call_started")
    fake.send(b"\r\nDATE = 1123\r\nTIME = 1042\r\nNMBR = 13800138000\r\nNAME = ZHANG SAN\r\n")
    caller = next_event(events, "caller_id")
    assert (caller.number, caller.name) == ("13800138000", "ZHANG SAN")
    assert caller.location_en  # the number's place, from phonenumbers
    fake.send(b"\r\nRING\r\n")
    # Someone picks up the phone: the modem listens in and the call is recorded.
    fake.send(bytes([DLE, ord("H")]))
    next_event(events, "call_answered")
    next_event(events, "recording_started")
    assert fake.wait_for_command("AT+VRX")
    voice = rng.integers(-6000, 6000, FRAME_BYTES * 100).astype(np.int16)  # 2 s
    sent = ulaw_of(voice)
    for at in range(0, len(sent), FRAME_BYTES * 10):
        fake.send(shield(sent[at : at + FRAME_BYTES * 10]))
        time.sleep(0.05)
    time.sleep(0.3)
    fake.send(bytes([DLE, ord("h")]))
    finished = events_of(events, "call_ended", "recording_stopped")
    assert finished["call_ended"].outcome == "answered"

    with Store(tmp_path / "linerec.db") as store:
        (call,) = store.calls()
        (recording,) = store.recordings()
    assert (call.line, call.direction, call.outcome) == (1, "in", "answered")
    assert (call.number, call.name, call.cid_format, call.cid_date) == (
        "13800138000",
        "ZHANG SAN",
        "MODEM",
        "11231042",
    )
    assert call.number_e164 == "+8613800138000"
    assert recording.call_id == call.id and recording.state == "complete"
    audio = read_wav(tmp_path / "recordings" / recording.path)
    # Every sample the modem sent is in the recording, in order.
    heard = audio.samples
    expected = ulaw_table()[np.frombuffer(sent, np.uint8)]
    start = int(np.flatnonzero(heard)[0])
    np.testing.assert_array_equal(heard[start : start + expected.size], expected)


def test_a_missed_call_on_a_modem_line(modem_engine, tmp_path):
    fake, events = modem_engine
    fake.send(b"\r\nRING\r\n\r\nNMBR = 02088886666\r\n")
    next_event(events, "caller_id")
    fake.send(b"\r\nRING\r\n")
    # Nobody answers; the line's ring timeout (China: 4 s gaps) ends it as missed.
    ended = next_event(events, "call_ended", timeout=20)
    assert ended.outcome == "missed"
    with Store(tmp_path / "linerec.db") as store:
        (call,) = store.calls()
        assert store.recordings() == []
    assert (call.number, call.name, call.outcome) == ("02088886666", None, "missed")



# ---- the box acting on a modem line ------------------------------------------------------


def engine_on_a_modem(tmp_path, *, full_duplex: bool):
    """An engine on one modem line with the survey's prompts; the fake modem is the line."""
    fake = FakeModem(modem_replies(full_duplex=full_duplex))
    fake.start_line(hybrid=HYBRID)
    config = default_config(1)
    line = Line(number=1, name="Front desk", modem=f"serial:{fake.port}?listen=5&ring_ms=300")
    ConfigStore(tmp_path).save(type(config)(config.device, [line]))
    events: list[contract.Event] = []
    engine = Engine(tmp_path, open_configured_line, publish=events.append,
                    prompt_audio=PROMPTS.get)
    engine.start()
    yield engine, fake, events
    engine.stop()
    fake.close()
    assert driver_threads() == []


@pytest.fixture
def acting_modem(tmp_path):
    yield from engine_on_a_modem(tmp_path, full_duplex=True)


@pytest.fixture
def half_duplex_modem(tmp_path):
    yield from engine_on_a_modem(tmp_path, full_duplex=False)


def wait_until(condition, timeout=WAIT, what="it") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.02)


def came(events, kind) -> list:
    return [e for e in list(events) if isinstance(e, kind)]


def answered_with_survey(engine, fake, events) -> None:
    """A call answered on the phone, then the operator hands it to the survey and hangs up."""
    fake.send(b"\r\nRING\r\n")
    wait_until(lambda: came(events, contract.CallStarted), what="the call")
    fake.send(b"\r\nNMBR = 13800138000\r\n")
    wait_until(lambda: came(events, contract.CallerIdKnown), what="the caller's number")
    fake.send(bytes([DLE, ord("H")]))
    wait_until(lambda: came(events, contract.RecordingStarted), what="the recording")
    engine.handle_command(contract.ActCommand(1, "survey"))
    wait_until(lambda: came(events, contract.LineSeized), what="the seizure")
    fake.send(bytes([DLE, ord("h")]))  # the operator hangs up; the box keeps the caller


def sounding(samples: np.ndarray) -> int:
    """Frames of ``samples`` that are not silence."""
    frames = samples[: samples.size - samples.size % 160].reshape(-1, 160)
    return int((np.abs(frames).max(axis=1) > 0).sum())


def the_call(tmp_path):
    with Store(tmp_path / "linerec.db") as store:
        (call,) = store.calls()
        recordings = store.recordings()
    return call, recordings


def test_the_survey_on_a_full_duplex_modem_takes_the_key_heard_over_its_prompt(
    acting_modem, tmp_path
):
    engine, fake, events = acting_modem
    answered_with_survey(engine, fake, events)
    assert fake.wait_for_command("AT+VTR")
    # Half-way through the opening prompt the caller presses 4: the box hears the tone
    # over its prompt's echo (the modem's own report of it is not needed).
    wait_until(lambda: sounding(fake.played_samples()) > 40, what="the opening")
    fake.press("4", dtmf_generate("4", level_dbm0=-12, on_ms=80, off_ms=40))
    wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the call's end")
    ended = came(events, contract.ActEnded)
    assert [(e.act, e.outcome, e.value) for e in ended] == [("survey", "done", "4")]
    call, (recording,) = the_call(tmp_path)
    assert (call.survey, call.outcome, call.number) == (4, "answered", "13800138000")
    assert recording.call_id == call.id and recording.state == "complete"
    # The caller heard the opening (cut short by the key), then the closing, as sent.
    played = fake.played_samples()
    assert 50 + 40 <= sounding(played) < 100 + 50
    start = int(np.flatnonzero(played)[0])
    opening = PROMPTS["survey_opening"][:4000]
    np.testing.assert_array_equal(
        played[start : start + opening.size],
        VoiceDecoder(SampleFormat.ULAW).decode(encode_samples(opening, SampleFormat.ULAW)),
    )
    assert fake.commands[-5:] == ["AT+VTR", "<DLE><ETX>", "ATH0", "AT+FCLASS=8", "AT+VLS=0"]


def test_the_survey_on_a_modem_without_full_duplex_takes_the_modems_key_report(
    half_duplex_modem, tmp_path
):
    engine, fake, events = half_duplex_modem
    answered_with_survey(engine, fake, events)
    assert fake.wait_for_command("AT+VTX")  # playing the opening: the line not heard
    wait_until(lambda: sounding(fake.played_samples()) > 40, what="the opening")
    fake.press("2", dtmf_generate("2", level_dbm0=-12, on_ms=80, off_ms=40))
    wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the call's end")
    ended = came(events, contract.ActEnded)
    assert [(e.act, e.outcome, e.value) for e in ended] == [("survey", "done", "2")]
    call, (recording,) = the_call(tmp_path)
    assert (call.survey, call.outcome) == (2, "answered")
    assert recording.call_id == call.id and recording.state == "complete"
    assert 50 + 40 <= sounding(fake.played_samples()) < 100 + 50
    assert "AT+VTR" in fake.commands and "<DLE><ETX>" in fake.commands
    # The key was taken once, however the modem's report and the tone's tail met.
    digits = [e.digits for e in came(events, contract.DigitDialled)]
    assert digits == ["2"]


def test_a_modem_that_fails_while_playing_leaves_the_call_logged_and_recorded(
    acting_modem, tmp_path, caplog
):
    engine, fake, events = acting_modem
    answered_with_survey(engine, fake, events)
    wait_until(lambda: sounding(fake.played_samples()) > 20, what="the opening")
    fake.vanish()  # unplugged in the middle of the prompt
    wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the call's end")
    ended = came(events, contract.ActEnded)
    assert [(e.act, e.outcome) for e in ended] == [("survey", "caller_hung_up")]
    call, (recording,) = the_call(tmp_path)
    assert (call.outcome, call.survey) == ("answered", None)
    assert recording.call_id == call.id and recording.state == "complete"
    gone = [r for r in caplog.records if "stopped" in r.getMessage() and "modem" in r.getMessage()]
    assert len(gone) == 1, [r.getMessage() for r in gone]
    assert len([r for r in caplog.records if "playback to" in r.getMessage()]) <= 1


def test_a_modem_without_a_usable_voice_format_refuses_the_survey(tmp_path):
    fake = FakeModem(modem_replies(**{"AT+VSM=?": b'\r\n2,"ADPCM",4,0,(8000)\r\n\r\nOK\r\n'}))
    config = default_config(1)
    line = Line(number=1, name="Front desk", modem=f"serial:{fake.port}")
    ConfigStore(tmp_path).save(type(config)(config.device, [line]))
    engine = Engine(tmp_path, open_configured_line, prompt_audio=PROMPTS.get)
    engine.start()
    try:
        with pytest.raises(ValueError, match="no way to play"):
            engine.handle_command(contract.ActCommand(1, "survey"))
    finally:
        engine.stop()
        fake.close()
    assert driver_threads() == []


def engine_on_a_modem_line(tmp_path, line: Line, prompts=None):
    """An engine on one modem line set as given; the fake modem (full duplex) is the line."""
    fake = FakeModem(modem_replies(full_duplex=True))
    fake.start_line(hybrid=HYBRID)
    config = default_config(1)
    line = dataclasses.replace(line, modem=f"serial:{fake.port}?listen=5&ring_ms=300")
    ConfigStore(tmp_path).save(type(config)(config.device, [line]))
    events: list[contract.Event] = []
    engine = Engine(tmp_path, open_configured_line, publish=events.append,
                    prompt_audio=(prompts or PROMPTS).get)
    return engine, fake, events


def ring(fake, bursts: int, number: str | None = None) -> None:
    """Ring bursts as the modem reports them, caller ID after the first."""
    for burst in range(bursts):
        fake.send(b"\r\nRING\r\n")
        time.sleep(0.5)
        if burst == 0 and number is not None:
            fake.send(f"\r\nNMBR = {number}\r\n".encode())
        time.sleep(0.3)


def test_voicemail_on_a_modem_line_answers_plays_the_greeting_and_keeps_the_message(tmp_path):
    greeting = PROMPTS["survey_closing"]
    line = Line(number=1, name="Front desk", voicemail=Voicemail(enabled=True, rings=2))
    engine, fake, events = engine_on_a_modem_line(
        tmp_path, line, {"voicemail_greeting": greeting, "beep": PROMPTS["survey_invalid"][:2400]})
    engine.start()
    try:
        ring(fake, 3, "13800138000")
        wait_until(lambda: came(events, contract.LineSeized), what="the box answering")
        wait_until(lambda: sounding(fake.played_samples()) >= greeting.size // 160 + 15,
                   what="the greeting and the beep")
        time.sleep(0.3)
        speech = (PROMPTS["survey_opening"][:24000] // 3).astype(np.int16)  # 3 s
        fake.say(speech)
        time.sleep(3.5)
        fake.send(bytes([DLE, ord("b")]))  # the modem hears the exchange's busy tone
        t = np.arange(2 * 8000) / 8000
        fake.say((np.sin(2 * np.pi * 450 * t) * 3000 * ((t % 0.7) < 0.35)).astype(np.int16))
        wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the call's end")
    finally:
        engine.stop()
        fake.close()
    (ended,) = came(events, contract.ActEnded)
    assert ended.act == "voicemail"
    with Store(tmp_path / "linerec.db") as store:
        (message,) = store.connection().execute("SELECT seconds, number FROM voicemails")
        (call,) = store.calls()
    assert (call.number, call.outcome) == ("13800138000", "answered")
    assert 2.0 <= message[0] <= 5.0 and message[1] == "13800138000"


def test_a_black_listed_caller_on_a_modem_line_is_answered_and_hung_up(tmp_path):
    line = Line(number=1, name="Front desk")
    engine, fake, events = engine_on_a_modem_line(tmp_path, line)
    with Store(tmp_path / "linerec.db") as store:
        Firewall(store).add(ListEntry(0, "black", "+8613800138000"), Actor("adm"))
    engine.start()
    try:
        ring(fake, 1, "13800138000")
        wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the block")
    finally:
        engine.stop()
        fake.close()
    call, recordings = the_call(tmp_path)
    assert (call.outcome, call.blocked_by, recordings) == ("blocked", "black_list", [])
    assert [e.rule for e in came(events, contract.CallBlocked)] == ["black_list"]
    assert "ATH0" in fake.commands  # the modem hung up on the caller


def test_a_voice_menu_on_a_modem_line_answers_and_follows_the_callers_key(tmp_path):
    engine, fake, events = engine_on_a_modem_line(
        tmp_path, Line(number=1, name="Front desk"), MENU_PROMPTS)
    engine.start()
    try:
        menus = IvrMenus(engine.store)
        menus.assign(1, menus.save(None, "Main", MENU, AUTHOR), 2, AUTHOR)
        engine.handle_command(contract.ReloadMenusCommand())
        ring(fake, 3, "13800138000")
        wait_until(lambda: came(events, contract.LineSeized), what="the menu answering")
        wait_until(lambda: sounding(fake.played_samples()) > 20, what="the welcome")
        fake.press("2", dtmf_generate("2", level_dbm0=-12, on_ms=80, off_ms=40))
        wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the call's end")
    finally:
        engine.stop()
        fake.close()
    (ended,) = came(events, contract.ActEnded)
    assert (ended.act, ended.outcome) == ("ivr", "done")
    call, _ = the_call(tmp_path)
    assert json.loads(call.ivr_path)["path"] == [["main", "2"], ["info", ""]]
    # the welcome, cut short by the key, then the announcement node's prompt
    assert sounding(fake.played_samples()) >= 20 + MENU_PROMPTS["announcement"].size // 160 - 2


# ---- the announcement before recording on a modem line ------------------------------------


def announced_call(tmp_path, *, full_duplex: bool, listen: bool = True):
    """An answered call on a modem line set to announce both ways; returns what the engine
    told, the fake modem, and the call's row with its recordings."""
    fake = FakeModem(modem_replies(full_duplex=full_duplex))
    fake.start_line(hybrid=HYBRID)
    config = default_config(1)
    options = "listen=5&ring_ms=300" if listen else "ring_ms=300"
    line = Line(number=1, name="Front desk", modem=f"serial:{fake.port}?{options}",
                announcement="both", recording=Recording(encoding="pcm16"))
    ConfigStore(tmp_path).save(type(config)(config.device, [line]))
    events: list[contract.Event] = []
    engine = Engine(tmp_path, open_configured_line, publish=events.append,
                    prompt_audio={"announcement": ANNOUNCEMENT}.get)
    engine.start()
    try:
        ring(fake, 1, "13800138000")
        wait_until(lambda: came(events, contract.CallerIdKnown), what="the caller's number")
        fake.send(bytes([DLE, ord("H")]))  # the operator picks up
        wait_until(lambda: came(events, contract.CallAnswered), what="the answer")
        if listen:
            wait_until(lambda: came(events, contract.ActEnded), timeout=20, what="its end")
        time.sleep(0.5)
        fake.send(bytes([DLE, ord("h")]))
        wait_until(lambda: came(events, contract.CallEnded), timeout=20, what="the call's end")
    finally:
        engine.stop()
        fake.close()
    with Store(tmp_path / "linerec.db") as store:
        (call,) = store.calls()
        recordings = store.recordings()
        marks = store.recording_marks([r.id for r in recordings])
    return events, fake, call, recordings, marks


ANNOUNCEMENT = (np.cos(2 * np.pi * 440 * np.arange(12000) / 8000) * 6000).astype(np.int16)


@pytest.mark.parametrize("full_duplex", [True, False], ids=["AT+VTR", "AT+VTX"])
def test_a_modem_listening_beside_the_phone_plays_the_announcement_to_both_parties(
    tmp_path, full_duplex
):
    events, fake, call, recordings, marks = announced_call(tmp_path, full_duplex=full_duplex)
    assert [(e.act, e.outcome) for e in came(events, contract.ActEnded)] == [
        ("announcement", "done")]
    assert not came(events, contract.LineSeized)  # the phone holds the line, not the box
    # Heard on the line whole, from its first frame, as the modem was given it.
    played = fake.played_samples()
    assert abs(sounding(played) - ANNOUNCEMENT.size // 160) <= 1
    start = int(np.flatnonzero(played)[0])
    np.testing.assert_array_equal(
        played[start : start + ANNOUNCEMENT.size],
        VoiceDecoder(SampleFormat.ULAW).decode(encode_samples(ANNOUNCEMENT, SampleFormat.ULAW)),
    )
    assert ("AT+VTR" if full_duplex else "AT+VTX") in fake.commands
    assert fake.commands[-2:] == ["AT+FCLASS=8", "AT+VLS=0"]  # on hook, ready for the next
    # The call is logged and recorded as always, the announcement marked on its recording.
    (recording,) = recordings
    assert (call.outcome, recording.call_id, recording.state) == ("answered", call.id, "complete")
    (mark,) = marks
    assert mark.kind == "announcement"
    assert mark.end_s - mark.start_s == pytest.approx(ANNOUNCEMENT.size / 8000, abs=0.1)


def test_a_modem_not_listening_beside_the_phone_logs_the_call_and_says_why_it_is_not_announced(
    tmp_path, caplog
):
    events, fake, call, recordings, _ = announced_call(tmp_path, full_duplex=True, listen=False)
    assert not came(events, contract.ActStarted)
    assert sounding(fake.played_samples()) == 0
    assert (call.outcome, call.number) == ("answered", "13800138000")  # logged as always
    assert recordings == []  # the modem was not on the line: nothing but silence to keep
    told = [r.getMessage() for r in caplog.records if "announcement is not played" in
            r.getMessage()]
    assert len(told) == 1 and "listen=" in told[0], told
