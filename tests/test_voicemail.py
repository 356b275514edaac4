"""Voicemail end to end on a simulated line: the rings, the greeting and beep played, the
message kept as a WAV with its row, the call logged, the e-mail through a real SMTP server."""

from __future__ import annotations

import email
import hashlib
import socket
import threading
import time
import wave

import numpy as np
import pytest
from aiosmtpd.controller import Controller

from firmware.acts.steps import CallerGone, Recorded
from firmware.acts.voicemail import Rule, voicemail
from firmware.cli.processes import open_configured_line
from firmware.config import ConfigStore, SchemaError, validate
from firmware.engine import Engine
from firmware.engine.mailer import Mail, Mailer, read_password, set_password
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.voicemail import Voicemails
from tests.engine_config import configure
from tests.test_acts import Caller, prompt_audio

PROMPTS = {"voicemail_greeting": prompt_audio(1.5, 4), "beep": prompt_audio(0.3, 5)}
GREETING_FRAMES = 75 + 15


def speech(seconds: float) -> np.ndarray:
    return prompt_audio(seconds, 9) // 2


def busy_tone(seconds: float = 3.0) -> np.ndarray:
    t = np.arange(int(seconds * 8000)) / 8000
    return (np.sin(2 * np.pi * 450 * t) * 3000 * ((t % 0.7) < 0.35)).astype(np.int16)


class InStepCaller(Caller):
    """A caller who waits for the box to take each frame before sending the next (the
    worker is set once the engine runs): a box whose disk stalls (fsync) must not fall
    seconds behind and run the greeting over frames the caller sent before it played."""

    worker = None

    def __init__(self, name: str) -> None:
        super().__init__(name, self._worker_frames)

    def _worker_frames(self) -> int | None:
        worker = self.worker
        return worker.frames if worker is not None and worker.is_alive() else None


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def voicemail_box(tmp_path, request, smtp_port=None, prompts=PROMPTS, **settings):
    store = configure(tmp_path, 1)
    store.update_line(1, voicemail={"enabled": True, "rings": 2, "max_s": 20,
                                    "silence_s": 3, **settings})
    if smtp_port is not None:
        store.set_device(smtp={"host": "127.0.0.1", "port": smtp_port, "tls": "none",
                               "sender": "box@office.example",
                               "recipients": ["boss@office.example"]})
    events: list[contract.Event] = []
    prefix = f"vm-{request.node.name}-"
    engine = Engine(tmp_path, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=prompts.get)
    caller = InStepCaller(f"{prefix}1")
    engine.start()
    caller.worker = engine.workers[1]
    return engine, caller, events


@pytest.fixture
def box(tmp_path, request):
    made = []

    def make(**settings):
        made.append(voicemail_box(tmp_path, request, **settings))
        return made[-1]

    yield make
    for engine, caller, _ in made:
        caller.line.end_audio()
        engine.stop()


def ring_until_seized(caller, events, bursts: int = 2) -> None:
    def answered() -> bool:
        return any(isinstance(e, contract.ActStarted) for e in list(events))

    for _ in range(bursts):
        caller.line.set_ringing(True)
        caller.frames(20)
        caller.line.set_ringing(False)
        if caller.frames(60, answered):
            break
    assert caller.frames(1500, answered), "the box did not answer"
    assert caller.frames(500, lambda: caller.line.relay_seized), "the box did not seize"


def call_ended(events) -> bool:
    return any(isinstance(e, contract.CallEnded) for e in events)


def test_a_call_nobody_answers_leaves_a_message_kept_logged_and_mailed(box, smtp_server):
    inbox, port = smtp_server
    engine, caller, events = box(smtp_port=port)
    ring_until_seized(caller, events)
    started = [e for e in events if isinstance(e, contract.ActStarted)]
    assert [e.act for e in started] == ["voicemail"]
    # The greeting and the beep are heard; then the caller speaks 3 s and hangs up.
    assert caller.frames(1500, lambda: caller.heard >= GREETING_FRAMES - 5)
    caller.frames(10)
    caller.send(speech(3.0))
    caller.frames(150)
    caller.send(busy_tone())
    assert caller.frames(1500, lambda: not caller.line.relay_seized), "the box kept the line"
    assert caller.frames(1500, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.outcome) for e in ended] == [("voicemail", "caller_hung_up")]
    store = Store(engine.folder.database)
    call = store.calls(1)[0]
    assert call.outcome == "answered" and call.answered_at is not None
    messages = Voicemails(store).listed(contract_scope())
    assert len(messages) == 1
    message = messages[0]
    assert message.call_id == call.id and message.line == 1 and message.new
    assert 2.6 <= message.seconds <= 3.8, message.seconds
    path = engine.folder.voicemail / message.path
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (8000, 2, 1)
        assert abs(wav.getnframes() / 8000 - message.seconds) < 0.05
    assert hashlib.sha256(path.read_bytes()).hexdigest() == message.sha256
    assert Voicemails(store).voicemail_calls([call.id]) == {call.id}
    # The call itself was recorded as any answered call is.
    assert store.recordings()
    # The e-mail arrives with the WAV attached.
    assert inbox.arrived.wait(15), "no e-mail arrived"
    mail = inbox.messages[0]
    assert "Voicemail" in mail["Subject"] and mail["To"] == "boss@office.example"
    attachments = [part for part in mail.walk() if part.get_filename()]
    assert len(attachments) == 1 and attachments[0].get_content_type() == "audio/wav"
    assert attachments[0].get_payload(decode=True) == path.read_bytes()


def contract_scope():
    from firmware.store.scopes import EVERY_LINE  # noqa: PLC0415

    return EVERY_LINE


def test_a_caller_who_hangs_up_during_the_greeting_leaves_no_message(box):
    engine, caller, events = box()
    ring_until_seized(caller, events)
    assert caller.frames(1500, lambda: caller.heard > 20)
    caller.send(busy_tone())
    assert caller.frames(1500, lambda: not caller.line.relay_seized)
    assert caller.frames(1500, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.outcome) for e in ended] == [("voicemail", "caller_hung_up")]
    store = Store(engine.folder.database)
    assert Voicemails(store).listed(contract_scope()) == []
    assert store.calls(1)[0].outcome == "answered"


def test_silence_ends_the_message_and_the_silence_is_not_kept(box):
    engine, caller, events = box()
    ring_until_seized(caller, events)
    assert caller.frames(1500, lambda: caller.heard >= GREETING_FRAMES - 5)
    caller.frames(10)
    caller.send(speech(2.0))
    # After 2 s of speech, 3 s of quiet end the message: the box lets go by itself.
    assert caller.frames(1500, lambda: not caller.line.relay_seized), "silence did not end it"
    assert caller.frames(1500, lambda: call_ended(events))
    ended = [e for e in events if isinstance(e, contract.ActEnded)]
    assert [(e.act, e.outcome) for e in ended] == [("voicemail", "done")]
    message = Voicemails(Store(engine.folder.database)).listed(contract_scope())[0]
    assert 1.6 <= message.seconds <= 2.8, message.seconds


def test_the_message_ends_at_its_greatest_length(box):
    engine, caller, events = box(max_s=10)
    ring_until_seized(caller, events)
    assert caller.frames(1500, lambda: caller.heard >= GREETING_FRAMES - 5)
    caller.send(speech(20.0))
    assert caller.frames(1500, lambda: not caller.line.relay_seized), "the length did not end it"
    message = Voicemails(Store(engine.folder.database)).listed(contract_scope())[0]
    assert 9.9 <= message.seconds <= 10.1, message.seconds


def test_a_line_whose_playback_fails_still_takes_the_message_and_logs_the_call(box):
    engine, caller, events = box()

    def broken(*args, **kwargs):
        raise OSError("the sound card is gone")

    engine.workers[1].io.playback.write = broken
    ring_until_seized(caller, events)
    caller.frames(10)
    caller.send(speech(3.0))
    caller.frames(150)
    caller.send(busy_tone())
    assert caller.frames(1500, lambda: not caller.line.relay_seized)
    assert caller.frames(1500, lambda: call_ended(events))
    store = Store(engine.folder.database)
    assert store.calls(1)[0].outcome == "answered"
    message = Voicemails(store).listed(contract_scope())[0]
    assert 2.5 <= message.seconds <= 4.0
    assert caller.heard == 0


def test_a_line_whose_relay_fails_logs_it_and_the_call_rings_out_as_missed(box, caplog):
    engine, caller, events = box()
    worker = engine.workers[1]

    def broken(on):
        if on:
            raise OSError("relay GPIO write failed")

    worker.actions.seize = broken
    for _ in range(3):
        caller.line.set_ringing(True)
        caller.frames(20)
        caller.line.set_ringing(False)
        caller.frames(60)
    assert caller.frames(1500, lambda: call_ended(events)), "the call did not end"
    assert worker.is_alive() and engine.workers[1] is worker
    assert not [e for e in events if isinstance(e, contract.ActStarted)]
    assert "the relay could not take the line for voicemail" in caplog.text
    call = Store(engine.folder.database).calls(1)[0]
    assert call.outcome == "missed"


def test_a_line_without_voicemail_lets_the_call_ring_out_as_missed(box):
    _, caller, events = box(enabled=False)
    for _ in range(3):
        caller.line.set_ringing(True)
        caller.frames(20)
        caller.line.set_ringing(False)
        caller.frames(60)
    assert not caller.line.relay_seized
    assert not [e for e in events if isinstance(e, contract.ActStarted)]


def test_the_rule_needs_the_rings_the_hours_and_the_group():
    rule = Rule(3, frozenset({"VIP"}))
    assert not rule.wants(2, True, frozenset({"VIP"}))
    assert not rule.wants(3, False, frozenset({"VIP"}))
    assert not rule.wants(3, True, frozenset({"supplier"}))
    assert not rule.wants(3, True, frozenset())
    assert rule.wants(4, True, frozenset({"VIP", "supplier"}))
    assert Rule(1).wants(1, True, None)


def test_the_script_keeps_what_was_said_before_the_hang_up_and_nothing_before_the_beep():
    script = voicemail("voicemail_greeting", 60, 5)
    assert next(script).prompt == "voicemail_greeting"
    with pytest.raises(StopIteration) as gone:
        script.throw(CallerGone())
    assert gone.value.value is None
    script = voicemail()
    next(script)
    script.send(None)
    record = script.send(None)
    assert (record.max_s, record.silence_s) == (120, 5)
    # What was said is kept; the busy tone after it is not.
    audio = np.concatenate([speech(1.0), busy_tone(1.4)])
    with pytest.raises(StopIteration) as done:
        script.send(Recorded(audio, audio.size / 8000, "hang_up"))
    kept = done.value.value
    assert 0.9 <= kept.seconds <= 1.05 and kept.ended_by == "hang_up"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"rings": 0}, "rings"),
        ({"rings": 21}, "rings"),
        ({"max_s": 5}, "max_s"),
        ({"greeting": "../x"}, "greeting"),
        ({"schedule": [{"days": ["mon"], "start": "25:00", "end": "18:00"}]}, "start"),
    ],
)
def test_bad_voicemail_settings_are_refused_with_their_place(settings, problem):
    with pytest.raises(SchemaError) as refused:
        validate({"lines": [{"number": 1, "voicemail": settings}]})
    assert any(f"voicemail.{problem}" in text or problem in text
               for text in refused.value.problems), refused.value.problems


def test_smtp_settings_need_sender_and_recipients():
    with pytest.raises(SchemaError, match="recipient"):
        validate({"device": {"smtp": {"host": "mail.example", "sender": "a@b.example"}}})
    with pytest.raises(SchemaError, match="e-mail address"):
        validate({"device": {"smtp": {"host": "mail.example", "sender": "nobody",
                                      "recipients": ["x@y.example"]}}})


def test_the_smtp_password_is_kept_private_and_out_of_the_configuration(tmp_path):
    configure(tmp_path, 1)
    from firmware.datafolder import DataFolder  # noqa: PLC0415

    folder = DataFolder(tmp_path)
    set_password(folder, "s3cret")
    assert read_password(folder) == "s3cret"
    assert folder.smtp_password.stat().st_mode & 0o777 == 0o600
    assert "s3cret" not in (tmp_path / "config.json").read_text()
    with pytest.raises(ValueError, match="one line"):
        set_password(folder, "a\nb")
    set_password(folder, "")
    assert read_password(folder) == ""


def test_the_mailer_tries_again_and_logs_what_it_could_not_send(tmp_path, smtp_server):
    inbox, port = smtp_server
    store = configure(tmp_path, 1)
    store.set_device(smtp={"host": "127.0.0.1", "port": port, "tls": "none",
                           "sender": "box@office.example", "recipients": ["a@office.example"]})
    config = ConfigStore(tmp_path).load()
    from firmware.datafolder import DataFolder  # noqa: PLC0415
    from firmware.engine.mailer import deliver  # noqa: PLC0415

    tries = []

    def flaky(smtp, password, message):
        tries.append(time.monotonic())
        if len(tries) < 3:
            raise ConnectionRefusedError("not yet")
        deliver(smtp, password, message)

    mailer = Mailer(DataFolder(tmp_path), lambda: config.device.smtp,
                    retry_delays_s=(0.05, 0.05, 0.05), send=flaky)
    mailer.start()
    try:
        assert mailer.send(Mail("hello", "body"))
        assert inbox.arrived.wait(10)
        assert len(tries) == 3 and not mailer.problems
        always = Mailer(DataFolder(tmp_path), lambda: config.device.smtp,
                        retry_delays_s=(0.01,), send=lambda *a: (_ for _ in ()).throw(
                            OSError("unreachable")))
        always.start()
        always.send(Mail("lost", "body"))
        deadline = time.monotonic() + 5
        while not always.problems and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [p.subject for p in always.problems] == ["lost"]
        state = always.state()
        assert state.failed == 1 and "unreachable" in state.last_problem
        always.stop()
        # The health page says so while it is recent.
        from firmware.health.report import _mail_problems  # noqa: PLC0415

        (problem,) = _mail_problems(state, state.last_problem_at + 60)
        assert "e-mail not sent" in problem.text and "unreachable" in problem.values["problem"]
        assert mailer.state().sent == 1
    finally:
        mailer.stop()


def test_the_trigger_answers_only_the_callers_of_the_listed_groups_inside_the_windows(tmp_path):
    from firmware.config import Line, TimeWindow, Voicemail  # noqa: PLC0415
    from firmware.engine import state as machine  # noqa: PLC0415
    from firmware.engine.voicemail import VoicemailTrigger, caller_groups  # noqa: PLC0415
    from firmware.store.crm import CustomerNumber, Customers  # noqa: PLC0415

    store = Store(tmp_path / "linerec.db")
    Customers(store).create({"name": "Big client", "category": "VIP"},
                            [CustomerNumber("13800138000", "+8613800138000")], added_by=None)
    assert caller_groups(store, "13800138000", "CN") == {"VIP"}
    assert caller_groups(store, "+8613800138000", "CN") == {"VIP"}
    assert caller_groups(store, "13900139000", "CN") == frozenset()
    assert caller_groups(store, None, "CN") == frozenset()

    settings = {"line": Line(number=1, voicemail=Voicemail(enabled=True, rings=3,
                                                           groups=["VIP"]))}
    trigger = VoicemailTrigger(lambda: settings["line"],
                               lambda number: caller_groups(store, number, "CN"))

    def ringing(number, rings, started_at=1.0, at=None):
        call = machine.Call(direction="in", started_at=started_at, number=number, rings=rings)
        return machine.LineState(phase=machine.Phase.RINGING, call=call,
                                 last_ring_at=at or started_at)

    assert trigger(ringing("13800138000", 2), []) is None  # not yet
    assert trigger(ringing("13800138000", 3), []).name == "voicemail"
    assert trigger(ringing("13800138000", 4), []) is None  # asked once a call
    assert trigger(ringing("13900139000", 3, started_at=2.0), []) is None  # not a VIP
    assert trigger(ringing(None, 3, started_at=3.0), []) is None  # withheld
    # Windows: Saturday only (2026-12-05 is a Saturday; China, UTC+8).
    settings["line"] = Line(number=1, voicemail=Voicemail(
        enabled=True, rings=1, schedule=[TimeWindow(days=["sat"], start="00:00", end="23:59")]))
    saturday_noon = 1796443200.0 + 4 * 3600  # 2026-12-05 16:00 in China
    assert trigger(ringing(None, 1, started_at=saturday_noon), []) is not None
    monday = saturday_noon + 2 * 86400
    assert trigger(ringing(None, 1, started_at=monday), []) is None
    store.close()
