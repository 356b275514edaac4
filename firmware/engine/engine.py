"""The line engine: one worker thread per line, the store, the event bus.

Threads, by name: ``capture-<n>`` reads line n's audio and signals as they
come and queues them (``firmware.engine.reader``); ``line-<n>`` takes them
frame by frame, runs its detectors and state machine and carries out the
actions (call log, recording; ``firmware.engine.worker``), and may fall
behind the line for a while (a slow disk) without losing audio; ``bus``
serves the Unix socket;
``audio`` serves live listening (``firmware.link.live_audio``), fed by the
workers only while someone listens; ``retention`` keeps the recordings' disk
from filling (``firmware.engine.retention``); ``archive`` compresses finished
recordings to Ogg Opus after the call, at the lowest priority
(``firmware.engine.archive``); ``chain`` appends each finished
recording to the archive's hash chain and signs its head
(``firmware.engine.chain``); ``backup`` backs the box up off it, at a low
priority (``firmware.backup.service``); ``dialling`` places the calls of the
running dialling tasks on their lines (``firmware.engine.dialling_tasks``).
Time on a line is its sample clock: the worker's start time plus 20 ms per
frame read, so a simulated office played faster than real time keeps exact
call times and durations.

Start-up first makes the store whole again after a crash (unfinished calls
are closed, unfinished recordings repaired, files and index reconciled),
then opens the bus and the live audio socket and starts retention, then the
lines; shutdown goes in reverse.

``reload_config`` (a bus command, sent by the web UI after a change) applies
a new configuration without a restart: recording policies (mode, schedule,
no-record list, the announcement before recording) at the next frame of every
line; a line whose drivers, encoding, voice thresholds or enabled state
changed, or every line when the country profile changed, is restarted on its
own once its call in progress has ended (the call is logged and recorded to its end under the old
settings); lines added are started and lines removed stopped the same way.
A line restarted on unchanged drivers keeps them open, and its new worker
goes on with the audio the old one's reader had queued: not a frame is lost.

A line never stays down on an error: store and file errors are survived on the
line's path (``firmware.engine.actions``) and kept in ``storage_problems`` for
the status; a worker that stops on anything else (a driver that fails, a
fault of ours) is started again on freshly opened drivers after a back-off
(``RESTART_FIRST_S``, doubling, at most ``RESTART_MOST_S``).
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audio_format import FRAME_SECONDS
from firmware.acts import firewall, ivr, survey
from firmware.acts import voicemail as voicemail_act
from firmware.acts.steps import ScriptResult
from firmware.backup.service import BackupService
from firmware.config import Config, ConfigStore, Line
from firmware.country import numbers
from firmware.country.profiles import local_offset_s, profile
from firmware.datafolder import DataFolder, EngineLock
from firmware.engine import state as machine
from firmware.engine.acting import Act, LineActor
from firmware.engine.actions import LineActions
from firmware.engine.announcing import Announcing
from firmware.engine.archive import ArchiveService
from firmware.engine.chain import ChainService
from firmware.engine.detectors import LineDetectors
from firmware.engine.dialling import Dialling, dial_act, dial_refusal, refusal_text
from firmware.engine.dialling_tasks import DiallingService, TaskRunner, free_line_of
from firmware.engine.mailer import Mail, Mailer, attachment_of
from firmware.engine.player import LinePlayer
from firmware.engine.policy import firewall_screen, line_menus, policy_for
from firmware.engine.recorder import LineRecorder
from firmware.engine.retention import RetentionService
from firmware.engine.sms import SmsService
from firmware.engine.sms_jobs import SmsJobs
from firmware.engine.snapshots import DailySnapshots
from firmware.engine.storage_problems import StorageProblems
from firmware.engine.voicemail import VoicemailTrigger, caller_groups, keep_message
from firmware.engine.worker import LineIO, LineWorker
from firmware.link import contract
from firmware.link.bus import EventBus
from firmware.link.live_audio import LiveAudioServer
from firmware.prompts.errors import PromptNotFoundError
from firmware.prompts.library import PromptLibrary
from firmware.store.db import Store
from firmware.store.firewall import Screen
from recovery import recover_data_folder
from recovery.cli import report_lines

log = logging.getLogger(__name__)

RESTART_FIRST_S = 1.0  # a line that stopped on an error starts again after this, doubling
RESTART_MOST_S = 60.0
RESTART_FORGIVEN_S = 300.0  # a worker that ran this long before failing starts a new back-off


@dataclass
class Engine:
    """The box's engine over a data folder; ``open_line`` connects a configured line."""

    data_dir: str | Path
    open_line: Callable[[Line], LineIO]
    publish: Callable[[contract.Published], None] | None = None  # also told every event
    clock: Callable[[], float] = time.time
    workers: dict[int, LineWorker] = field(default_factory=dict)
    # A prompt's audio (int16, 8 kHz) by its key or id, or None if there is none; the
    # data folder's prompt library (firmware.prompts) unless given.
    prompt_audio: Callable[[str | int], np.ndarray | None] | None = None
    # Played for a prompt ``prompt_audio`` has none of (the simulated office's stand-ins,
    # while the box's own prompts are still being made); None: nothing.
    fallback_prompts: Callable[[str | int], np.ndarray | None] | None = None

    def __post_init__(self) -> None:
        self.folder = DataFolder(self.data_dir)
        self.config_store = ConfigStore(self.folder.root)
        self.store: Store | None = None
        self.bus: EventBus | None = None
        self.live_audio: LiveAudioServer | None = None
        self.config: Config | None = None
        # Re-entrant: whoever is told an event may answer it with a command (reload_config).
        self._publish_lock = threading.RLock()
        # Guards ``workers`` and ``config``: the bus thread reloads while line threads retire.
        self._lines_lock = threading.RLock()
        self._stopping = False
        self._lock = EngineLock(self.folder)
        self.storage_problems = StorageProblems()
        self.retention = None  # the retention service, while the engine runs
        self.snapshots: DailySnapshots | None = None
        self.archive: ArchiveService | None = None  # compression after the call, while it runs
        self.chain: ChainService | None = None  # the hash chain's thread, while it runs
        self.backup: BackupService | None = None  # backups off the box, while it runs
        self.mailer: Mailer | None = None  # the box's e-mail (voicemail notices), while it runs
        self.sms: SmsService | None = None  # text messages through the GSM modem, while it runs
        self.sms_jobs: SmsJobs | None = None  # the box's own messages (greetings, replies)
        self.dialling: DiallingService | None = None  # the dialling tasks' calls, while it runs
        self._restart_backoff: dict[int, float] = {}  # per line, after an error
        self.screen: Screen = Screen.empty  # the call firewall the lines screen calls with
        self.menus: dict[int, ivr.LineIvr] = {}  # each line's voice menu, if it has one

    def start(self) -> None:
        """Start on the data folder: checked, locked, recovered, then the lines.

        A folder that is missing (its parent too), not a folder or read-only, and a
        configuration that cannot be read, raise LinerecError naming it; recovery
        runs before the store is opened, so a damaged database is rebuilt first.
        """
        self.folder.check(create=True)
        self._lock.acquire()
        self.config = self.config_store.load()
        self._recover()
        self.store = Store(self.folder.database)
        if not numbers.ensure_index():
            log.warning("numbers will be logged without their location")
        self._load_firewall()
        self._load_menus()
        self.bus = EventBus(self.folder.bus_socket, self.handle_command)
        self.bus.start()
        self.live_audio = LiveAudioServer(self.folder.audio_socket)
        for line in self.config.lines:
            if line.enabled:
                self.live_audio.tap(line.number)
        self.live_audio.start()
        self.retention = RetentionService(self.store, self.folder.recordings, lambda: self.config,
                                          voicemail=self.folder.voicemail)
        self.retention.start()
        self.snapshots = DailySnapshots(
            self.folder,
            lambda error: self.storage_problems.problem(None, "a database snapshot", error),
        )
        self.snapshots.start()
        self.archive = ArchiveService(self.store, self.folder.recordings, lambda: self.config,
                                      clock=self.clock, on_disk_full=self._disk_full,
                                      folder=self.folder)
        self.archive.start()
        self.chain = ChainService(
            self.store,
            self.folder,
            lambda error: self.storage_problems.problem(None, "the hash chain", error),
        )
        self.chain.start()
        self.backup = BackupService(self.folder, self.store, lambda: self.config)
        self.backup.start()
        if self.prompt_audio is None:  # the web makes the box's own prompts (make_own_prompts)
            library = PromptLibrary(self.folder, self.store)
            self.prompt_audio = library.audio
            if self.fallback_prompts is not None:
                self.prompt_audio = functools.partial(_library_or_none, library)
        self.mailer = Mailer(self.folder, lambda: self.config.device.smtp)
        self.mailer.start()
        self.sms = SmsService(
            self.store,
            lambda: self.config.device.sms,
            lambda: profile(self.config.device.country).region,
            publish=lambda state: self._publish(contract.SmsChanged(state)),
        )
        self.sms.start()
        self.sms_jobs = SmsJobs(self.store, lambda: self.config)
        self.sms_jobs.start()
        started_at = self.clock()
        with self._lines_lock:
            for line in self.config.lines:
                if line.enabled:
                    self._start_line(line, started_at)
        self._start_dialling()
        log.info("engine started: %d lines, data in %s", len(self.workers), self.folder.root)

    def _start_dialling(self) -> None:
        """The dialling tasks' runner, once the lines take ``DialCommand``."""
        country = self.config.device.country
        runner = TaskRunner(
            self.store, self.handle_command, line_free=free_line_of(self),
            screen=lambda: self.screen, region=profile(country).region,
            local_offset=lambda at: local_offset_s(
                self.config.device.country, self.config.device.time_zone, at),
            clock=self.clock)
        self.dialling = DiallingService(runner)
        self.dialling.start()

    def _recover(self) -> None:
        """What ``linerec recover`` does, said in the log line by line: an index whose
        files are nearly all gone, or recordings beyond repair, are errors, and the
        engine starts all the same, recording new calls."""
        report = recover_data_folder(self.folder, self.clock())
        if report.clean:
            return
        for text in report_lines(self.folder, report):
            needs_a_person = text.startswith(("held back", "damaged"))
            log.log(logging.ERROR if needs_a_person else logging.WARNING, "recovery: %s", text)

    def _start_line(
        self, line: Line, started_at: float, predecessor: LineWorker | None = None
    ) -> LineWorker:
        """Start line ``line``'s worker; a ``predecessor`` on the same drivers hands over its
        open drivers and the audio its reader has queued, so not a frame is lost."""
        country = profile(self.config.device.country)
        io = predecessor.io if predecessor is not None else self.open_line(line)
        vox = line.recording.vox
        recorder = LineRecorder(
            line.number,
            self.folder.recordings,
            line.recording.encoding,
            history_s=max(6.0, vox.preroll_ms / 1000),
            # Named in the time the pages show.
            local_offset=functools.partial(
                local_offset_s, self.config.device.country, self.config.device.time_zone
            ),
        )
        seize = io.signals.seize if io.signals is not None else (lambda on: None)
        actions = LineActions(
            line.number,
            self.store,
            recorder,
            country.region,
            publish=self._publish,
            seize=seize,
            on_storage_problem=lambda what, error: self.storage_problems.problem(
                line.number, what, error
            ),
            on_disk_full=self._disk_full,
        )
        actions.act_results[survey.NAME] = functools.partial(self._keep_survey, actions)
        actions.act_results[voicemail_act.NAME] = functools.partial(
            keep_message, actions, self.store, self.folder.voicemail, self._voicemail_kept
        )
        actions.act_results[ivr.NAME] = functools.partial(self._keep_walk, actions)
        detectors = LineDetectors(country.country, vox.threshold_dbm0, vox.hangover_ms)
        signals = io.signals
        can_pulse = signals is not None and signals.can_pulse
        actor = LineActor(
            LinePlayer(io.playback),
            self._prompt,
            country.country,
            functools.partial(actions.ring_office, signals=signals),
            senses_phones=signals is not None and signals.senses_phones_while_seized,
            pulse_digit=signals.pulse_digit if can_pulse else None,
            pulsing=(lambda: signals.pulsing) if can_pulse else (lambda: False),
        )
        announcing = Announcing(line.number, actor.player, actions)
        Dialling(line.number, actions)
        worker = LineWorker(
            line,
            io,
            detectors,
            actions,
            policy=self._policy(line),
            started_at=started_at,
            tap=self.live_audio.tap(line.number) if self.live_audio else None,
            line_input=predecessor.input if predecessor is not None else None,
            actor=actor,
            triggers=(
                _block_when_screened,
                _answer_with_menu,
                VoicemailTrigger(
                    functools.partial(self._line_settings, line.number),
                    functools.partial(caller_groups, self.store, region=country.region),
                ),
                _survey_on_request,
                announcing.trigger,
            ),
        )
        # What the box plays is heard this long after the frame it was written in.
        actions.sound_delay = lambda: (
            actor.player.delay_frames(worker.input.backlog) * FRAME_SECONDS
        )
        worker.on_exit = self._line_stopped
        self.workers[line.number] = worker
        worker.start()
        return worker

    def _disk_full(self) -> None:
        """A write failed for lack of space: have retention make room now."""
        retention = self.retention
        if retention is not None:
            retention.urgent()

    def _publish(self, event: contract.Published) -> None:
        jobs = self.sms_jobs
        if jobs is not None and isinstance(event, contract.CallEnded) \
                and event.outcome == "missed":
            jobs.wake()  # the line may reply to the caller by text
        with self._publish_lock:
            if self.bus is not None:
                self.bus.publish(event)
            if self.publish is not None:
                self.publish(event)
            dialling = self.dialling
            if dialling is not None:  # it only queues what is about a task's call
                dialling.told(event)

    def _current_workers(self) -> list[LineWorker]:
        with self._lines_lock:
            return list(self.workers.values())

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every line's audio has ended; True if they all did.

        A line restarted meanwhile is waited for in its new worker.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            alive = [worker for worker in self._current_workers() if worker.is_alive()]
            if not alive:
                return True
            for worker in alive:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                worker.join(remaining)
            if deadline is not None and time.monotonic() >= deadline:
                return not any(worker.is_alive() for worker in self._current_workers())

    def stop(self) -> None:
        self._stop_services("dialling")  # no call placed while the lines stop
        with self._lines_lock:
            self._stopping = True
            workers = list(self.workers.values())
        for worker in workers:
            worker.io.close()  # a blocked read() returns None: the worker finishes its call
        self.wait(timeout=10)
        # In this order: mail given up; the box's own messages queued at the next start;
        # the text-message queue waits in the database; a recording being encoded is left
        # unchanged; the chain after the lines and retention (their last entries).
        self._stop_services("backup", "mailer", "sms_jobs", "sms", "snapshots", "archive",
                            "retention", "chain", "live_audio", "bus")
        if self.store is not None:
            self.store.close()
        self._lock.release()
        log.info("engine stopped")

    def _stop_services(self, *names: str) -> None:
        """Stop the running services of these attribute names, in order, and forget them."""
        for name in names:
            service = getattr(self, name)
            if service is not None:
                service.stop()
                setattr(self, name, None)

    # ---- commands from the bus ------------------------------------------------------

    def handle_command(self, command: contract.Command) -> contract.Reply:
        """Answer a command from the bus; a refusal raises ValueError with the reason."""
        if isinstance(command, contract.StatusCommand):
            workers = self._current_workers()
            retention, archive, mailer, sms = self.retention, self.archive, self.mailer, self.sms
            return contract.StatusReply(
                tuple(self._line_report(worker) for worker in workers),
                self.storage_problems.recent(),
                retention.state() if retention is not None else None,
                archive=archive.state() if archive is not None else None,
                mail=mailer.state() if mailer is not None else None,
                sms=sms.state() if sms is not None else None,
            )
        if isinstance(command, contract.ReloadConfigCommand):
            return self.reload_config()
        if isinstance(command, contract.ReloadMenusCommand):
            return self.reload_menus()
        if isinstance(command, contract.ReloadFirewallCommand):
            return self.reload_firewall()
        if isinstance(command, contract.RecordCommand):
            worker, on = self._worker(command.line), command.on
            # The line as its worker last left it: a call that ends before the command's
            # frame makes the state machine pass the command over (``record_refusal``).
            reason = "offline" if not worker.is_alive() else machine.record_refusal(
                worker.state, on
            )
            if reason is not None:
                raise ValueError(contract.RECORD_REFUSALS[reason].format(line=worker.number))
            worker.submit(lambda at: machine.RecordCommand(at, start=on))
        elif isinstance(command, contract.ActCommand):
            worker = self._worker(command.line)
            reason = self._act_refusal(worker, command.act)
            if reason is not None:
                raise ValueError(contract.ACT_REFUSALS[reason].format(line=worker.number))
            worker.act(_survey_if_in_call)
        elif isinstance(command, contract.DialCommand):
            worker = self._worker(command.line)
            line = self._line_settings(worker.number) or worker.line
            refused = dial_refusal(command, worker, line, self.screen,
                                   region=profile(self.config.device.country).region,
                                   at=self.clock())
            if refused is not None:
                raise ValueError(refusal_text(refused[0], command, refused[1]))
            log.info("line %d: a call to %s asked by %s", worker.number, command.number,
                     command.user or "someone")
            signals = worker.io.signals
            can_hold = signals is not None and signals.senses_phones_while_seized
            worker.act(lambda state: dial_act(command, line, can_hold=can_hold,
                                              off_hook=state.off_hook))
        elif isinstance(command, contract.SeizeCommand):
            worker, on = self._worker(command.line), command.on
            worker.submit(lambda at: machine.Seize(at) if on else machine.Release(at))
        else:
            raise ValueError(f"this engine does not take {command.kind.value!r}")
        return contract.LineReply(worker.number)

    def line_frames(self, number: int) -> int | None:
        """How many frames of its capture line ``number``'s workers have taken (None: the line
        is not running);
        the simulated office keeps in step with it while it plays a caller."""
        worker = self.workers.get(number)
        return worker.input.taken if worker is not None and worker.is_alive() else None

    def _prompt(self, prompt: str | int) -> np.ndarray | None:
        audio = self.prompt_audio
        found = audio(prompt) if audio is not None else None
        if found is None and self.fallback_prompts is not None:
            found = self.fallback_prompts(prompt)
        return found

    @staticmethod
    def _act_refusal(worker: LineWorker, act: str) -> str | None:
        """Why ``act`` cannot start on the line as its worker last left it, or None."""
        if act not in contract.ACTS:
            return "unknown"
        if not worker.is_alive():
            return "offline"
        playback = worker.io.playback
        if playback is None or playback.url.startswith("null:") or not playback.can_play:
            return "no_playback"
        if worker.actor.running:
            return "busy"
        if worker.state.phase not in (machine.Phase.IN_CALL, machine.Phase.SILENT):
            return "not_in_call"
        return None

    def _line_settings(self, number: int) -> Line | None:
        """Line ``number``'s settings as configured now (they change live)."""
        config = self.config
        for line in config.lines if config is not None else ():
            if line.number == number:
                return line
        return None

    def _voicemail_kept(self, message) -> None:
        """A voicemail message is kept: tell the admin's recipients by e-mail, and the
        line's numbers by text (the ``sms-jobs`` thread)."""
        if self.sms_jobs is not None:
            self.sms_jobs.wake()
        mailer = self.mailer
        if mailer is None:
            return
        country = self.config.device.country
        offset = local_offset_s(country, self.config.device.time_zone, message.started_at)
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(message.started_at + offset))
        line = self._line_settings(message.line)
        line_name = (line.given_name if line is not None else "") or f"Line {message.line}"
        caller = message.number or "unknown number"
        body = (
            f"A caller left a voicemail message on {line_name}.\n\n"
            f"From: {caller}\nAt: {when}\nLength: {message.seconds:.0f} s\n\n"
            "The message is attached, and on the box's Voicemail page.\n"
        )
        mailer.send(Mail(
            f"Voicemail from {caller} on {line_name} ({message.seconds:.0f} s)",
            body,
            attachment_of(self.folder.voicemail / message.path, f"voicemail-{message.id}.wav"),
        ))

    def _keep_survey(self, actions: LineActions, result, call) -> None:
        if result.value is not None and call is not None:
            actions.journal.update_call(call, survey=int(result.value))

    def _keep_walk(self, actions: LineActions, result: ScriptResult, call) -> None:
        """A voice menu's walk kept with the call; a rating with the call as the survey's;
        a message left handed to voicemail's keeper, when the line has one."""
        walk = result.value
        if not isinstance(walk, ivr.Walk):
            return
        if call is not None:
            changes: dict[str, object] = {
                "ivr_path": json.dumps(walk.document(), ensure_ascii=False)}
            if walk.survey is not None:
                changes["survey"] = int(walk.survey)
            actions.journal.update_call(call, **changes)
        keep_message = actions.act_results.get("voicemail")
        if walk.recorded is not None and walk.recorded.audio.size and keep_message is not None:
            keep_message(ScriptResult("voicemail", walk.recorded, result.caller_hung_up,
                                      facts={"ivr": walk.hops[-1][0] if walk.hops else ""}),
                         call)

    # ---- voice menus ----------------------------------------------------------------------

    def _policy(self, line: Line) -> machine.Policy:
        return policy_for(self.config, line, self.screen, self.menus.get(line.number))

    def _load_menus(self) -> None:
        """Read the lines' voice menus; a store that cannot be read keeps them as they were
        (logged: the lines ring on as they would without)."""
        try:
            self.menus = line_menus(self.store)
        except sqlite3.Error as error:
            self.storage_problems.problem(None, "the voice menus", error)
            log.error("the voice menus cannot be read: %s", error)

    def _give_policies(self) -> dict[int, Line]:
        """Every running line's policy made again (the firewall, the menus), taken at its
        next frame; the lines enabled, by number. Called holding ``_lines_lock``."""
        lines = {line.number: line for line in self.config.lines if line.enabled}
        for number, worker in self.workers.items():
            line = lines.get(number)
            if line is None or worker.retired:
                continue
            policy = self._policy(line)
            worker.submit(lambda at, p=policy: machine.PolicyChanged(at, policy=p))
        return lines

    def reload_menus(self) -> contract.MenusReply:
        """Read the voice menus again and give every line its own at its next frame."""
        try:
            menus = line_menus(self.store)
        except sqlite3.Error as error:
            raise ValueError(f"the voice menus cannot be read: {error}") from None
        with self._lines_lock:
            self.menus = menus
            lines = self._give_policies()
        answering = tuple(sorted(number for number in menus if number in lines))
        log.info("voice menus reloaded: lines %s answer with one", answering or "none")
        return contract.MenusReply(answering)

    # ---- a new configuration, live ----------------------------------------------------

    def reload_config(self) -> contract.ReloadReply:
        """Apply the configuration file as it is now; say which lines start, restart, stop.

        Raises ConfigError (the bus answers it as an error) if the file does
        not pass the schema: the running configuration is then kept.
        """
        new = self.config_store.load()
        restarting: list[int] = []
        started: list[int] = []
        stopping: list[int] = []
        failed: list[contract.LineFailure] = []
        announce: list[contract.Event] = []  # told after the lock is released
        with self._lines_lock:
            old, self.config = self.config, new
            country_changed = old.device.country != new.device.country
            if country_changed:
                self._load_firewall()  # its numbers read for the new country
            old_lines = {line.number: line for line in old.lines}
            new_lines = {line.number: line for line in new.lines}
            for number, worker in list(self.workers.items()):
                line = new_lines.get(number)
                if line is None or not line.enabled:
                    # Removed or disabled: no more recording from now, the line stops when idle.
                    off = machine.Policy(mode="off")
                    worker.submit(lambda at, p=off: machine.PolicyChanged(at, policy=p))
                    worker.retire()
                    stopping.append(number)
                    continue
                policy = self._policy(line)
                worker.submit(lambda at, p=policy: machine.PolicyChanged(at, policy=p))
                if country_changed or needs_restart(old_lines.get(number), line):
                    worker.retire()
                    restarting.append(number)
            for number, line in sorted(new_lines.items()):
                if line.enabled and number not in self.workers:
                    try:
                        worker = self._start_line(line, self.clock())
                    except Exception as error:  # a broken driver setting must not stop the rest
                        log.exception("line %d could not start", number)
                        failed.append(contract.LineFailure(number, str(error)))
                        continue
                    started.append(number)
                    status = worker.actions.status
                    announce.append(contract.LineStateChanged(number, None, status))
        for event in announce:
            self._publish(event)
        report = contract.ReloadReply(
            tuple(restarting), tuple(started), tuple(stopping), tuple(failed)
        )
        if self.retention is not None:
            self.retention.run_soon()  # new retention settings apply at once
        # And new archive and backup settings, a new GSM modem, the lines' new replies.
        for service in (self.archive, self.backup, self.sms, self.sms_jobs):
            if service is not None:
                service.wake()
        log.info("configuration reloaded: %s", report)
        return report

    # ---- the call firewall ------------------------------------------------------------------

    def _load_firewall(self) -> None:
        """Read the call firewall for the lines to start with; a store that cannot be read
        leaves the screen as it was (logged: calls ring as they would without it)."""
        try:
            self.screen = firewall_screen(self.store, self.config)
        except sqlite3.Error as error:
            self.storage_problems.problem(None, "the call firewall", error)
            log.error("the call firewall cannot be read: %s", error)

    def reload_firewall(self) -> contract.FirewallReply:
        """Read the call firewall's lists and rules again and give every line the new screen
        at its next frame."""
        try:
            screen = firewall_screen(self.store, self.config)
        except sqlite3.Error as error:
            raise ValueError(f"the call firewall cannot be read: {error}") from None
        with self._lines_lock:
            self.screen = screen
            lines = self._give_policies()
            taken = [number for number, worker in self.workers.items()
                     if number in lines and not worker.retired]
        log.info("call firewall reloaded: %d numbers listed, %d rules on",
                 len(screen.red) + len(screen.black), len(screen.rules))
        return contract.FirewallReply(tuple(sorted(taken)), len(screen.red) + len(screen.black),
                                      len(screen.rules))

    def _line_stopped(self, worker: LineWorker) -> None:
        """A line's worker ended; if it was retired for new settings, start its successor,
        and if it stopped on an error, start it again after a back-off."""
        offline = contract.LineStateChanged(
            worker.number, None, contract.LineStatus(worker.number, online=False)
        )
        if worker.failure is not None:
            self._schedule_restart(worker)
            self._publish(offline)
            return
        if not worker.retired:
            return
        with self._lines_lock:
            current = not self._stopping and self.workers.get(worker.number) is worker
            line = next((ln for ln in self.config.lines if ln.number == worker.number), None)
            restart = current and line is not None and line.enabled
            hand_over = restart and same_drivers(worker.line, line)
            if not hand_over:
                # The audio the old drivers had queued is dropped with them.
                worker.release()
            if not current:
                return
            del self.workers[worker.number]
            if restart:
                try:
                    if hand_over:
                        # Line time goes on from the old worker's last frame.
                        self._start_line(line, worker.now, predecessor=worker)
                    else:
                        # Line time goes on past the dropped audio (a simulated line may
                        # run ahead of the clock).
                        read = worker.now + worker.input.backlog * FRAME_SECONDS
                        self._start_line(line, max(self.clock(), read))
                except Exception:
                    if hand_over:
                        worker.release()  # nobody took them
                    log.exception("line %d could not restart with its new settings", worker.number)
                else:
                    log.info("line %d restarted with its new settings", worker.number)
                    return
            else:
                log.info("line %d stopped", worker.number)
        self._publish(offline)

    def _schedule_restart(self, failed: LineWorker) -> None:
        """Start a line that stopped on an error again, on fresh drivers, after a back-off."""
        number = failed.number
        failed.release()
        with self._lines_lock:
            if self._stopping or self.workers.get(number) is not failed:
                return
            ran_s = failed.frames * FRAME_SECONDS
            backoff = self._restart_backoff.get(number, 0.0)
            backoff = RESTART_FIRST_S if ran_s >= RESTART_FORGIVEN_S else backoff * 2
            backoff = min(max(backoff, RESTART_FIRST_S), RESTART_MOST_S)
            self._restart_backoff[number] = backoff
        log.warning("line %d starts again in %.0f s", number, backoff)
        timer = threading.Timer(backoff, self._restart, args=(failed,))
        timer.name = f"restart-{number}"
        timer.daemon = True
        timer.start()

    def _restart(self, failed: LineWorker) -> None:
        number = failed.number
        with self._lines_lock:
            if self._stopping or self.workers.get(number) is not failed:
                return  # stopped meanwhile, or its settings changed and it restarted anew
            line = next((ln for ln in self.config.lines if ln.number == number), None)
            if line is None or not line.enabled:
                del self.workers[number]
                return
            try:
                worker = self._start_line(line, self.clock())
            except Exception as error:  # its drivers cannot open yet (a card unplugged)
                log.error("line %d could not start again: %s", number, error)
                self._schedule_restart(failed)
                return
        log.info("line %d started again", number)
        self._publish(contract.LineStateChanged(number, None, worker.actions.status))

    def _worker(self, number: int) -> LineWorker:
        with self._lines_lock:
            if number not in self.workers:
                raise ValueError(f"no line {number!r}; lines: {sorted(self.workers)}")
            return self.workers[number]

    @staticmethod
    def _line_report(worker: LineWorker) -> contract.LineReport:
        status = worker.actions.status
        if not worker.is_alive():
            status = contract.LineStatus(worker.number, online=False)
        return contract.LineReport(
            status,
            overruns=worker.io.capture.overruns,
            # How far the worker is behind its line's audio, now and at worst.
            behind_s=worker.input.backlog * FRAME_SECONDS,
            most_behind_s=worker.input.most_behind * FRAME_SECONDS,
            unsaved=worker.actions.journal.waiting,
        )


def _library_or_none(library: PromptLibrary, prompt: str | int) -> np.ndarray | None:
    """The library's prompt; None, said nowhere, for one of the box's own not made yet
    (the engine's fallback plays instead)."""
    if isinstance(prompt, str):
        try:
            library.by_key(prompt)
        except PromptNotFoundError:
            return None
    return library.audio(prompt)


# What a running line worker is built from; policy settings (mode, schedule,
# pre-roll, name) change live and need no restart.
def _survey_if_in_call(state: machine.LineState) -> Act | None:
    """The survey, if the line is still in the answered call it was asked for in."""
    if state.phase not in (machine.Phase.IN_CALL, machine.Phase.SILENT):
        return None
    return Act(survey.NAME, survey.survey())


def _block_when_screened(state: machine.LineState, actions: list[machine.Action]) -> Act | None:
    """The firewall's block, when it has just refused the ringing call."""
    for action in actions:
        if isinstance(action, machine.Screened) and action.blocked:
            return Act(firewall.NAME, firewall.block(action.verdict))
    return None


def _answer_with_menu(state: machine.LineState, actions: list[machine.Action]) -> Act | None:
    """The line's voice menu, when a ringing call has rung its rings (after the last ring
    burst; once the call firewall let it through)."""
    line_ivr = state.policy.ivr
    call = state.call
    if (line_ivr is None or state.phase != machine.Phase.RINGING or call is None
            or state.ringing or state.screening or state.blocked is not None
            or call.rings < line_ivr.rings):
        return None
    at_local = machine.local_time(state.policy, state.last_ring_at)
    return Act(ivr.NAME, ivr.ivr_script(line_ivr.menu, at_local),
               facts=(("menu", line_ivr.name),))


def _survey_on_request(state: machine.LineState, actions: list[machine.Action]) -> Act | None:
    """The survey, when its key code was pressed in the call."""
    if any(isinstance(action, machine.ActRequested) and action.act == survey.NAME
           for action in actions):
        return _survey_if_in_call(state)
    return None


def _driver_settings(line: Line) -> tuple:
    return (line.enabled, line.audio, line.signals, line.playback, line.modem)


def _worker_settings(line: Line) -> tuple:
    vox = line.recording.vox
    return (
        *_driver_settings(line),
        line.recording.encoding,
        vox.threshold_dbm0,
        vox.hangover_ms,
    )


def same_drivers(old: Line, new: Line) -> bool:
    """Whether a restarted line's successor can go on with its predecessor's open drivers."""
    return _driver_settings(old) == _driver_settings(new)


def needs_restart(old: Line | None, new: Line) -> bool:
    """Whether a line's worker must be rebuilt to take ``new`` settings."""
    return old is None or _worker_settings(old) != _worker_settings(new)
