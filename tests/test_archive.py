"""Compression after the call: the Ogg Opus encoder and its controls, the tiers' settings, the
archive worker (order, what it leaves alone, a full disk, a damaged file), the migration,
retention's sizes, and the state it reports.

The kills while compressing are in ``tests/test_archive_kills.py``, the web in
``tests/test_web_archive.py``.
"""

from __future__ import annotations

import dataclasses
import errno
import io
import logging
import os
import threading
import time

import numpy as np
import pytest
import soundfile

from dsp_ext import g711, levels
from firmware.archive import opus, transcode
from firmware.archive.audio import AudioFileError, pcm_blocks
from firmware.archive.opus import OggOpusWriter, OpusSettings, OpusUnavailableError
from firmware.archive.tiers import Tiers
from firmware.cli.status import report_lines
from firmware.config import Archive, default_config, to_plain, validate
from firmware.datafolder import DataFolder
from firmware.engine.archive import ArchiveService
from firmware.health.report import gather
from firmware.link import contract
from firmware.schema import SchemaError
from firmware.store import retention
from firmware.store.db import Store
from firmware.store.legal_hold import Actor, LegalHold
from firmware.store.recordings import RecordingFile, relative_path
from firmware.store.schema import MIGRATIONS
from firmware.store.storage_usage import recordings_usage
from firmware.store.stored_files import StoredFileError, ogg_opus_info
from tests.archive_support import make_recordings, problems_of, speechlike

MINUTE = 60 * 8000


def encoded(pcm: np.ndarray, settings: OpusSettings) -> bytes:
    stream = io.BytesIO()
    with OggOpusWriter(stream, settings) as writer:
        for start in range(0, pcm.size, 8000):
            writer.write(pcm[start:start + 8000])
        writer.finish()
    return stream.getvalue()


def line_noise(rng, count: int, dbm0: float = -62.0) -> np.ndarray:
    """A quiet line's hiss, through A-law as the recorder stores it."""
    hiss = rng.normal(0.0, levels.reference_rms() * 10 ** (dbm0 / 20), count)
    return g711.alaw_decode(g711.alaw_encode(np.round(hiss).astype(np.int16)))


# ---- the encoder -----------------------------------------------------------------------


def test_the_controls_take_effect_silence_costs_nearly_nothing(rng):
    talking = g711.alaw_decode(g711.alaw_encode(speechlike(rng, 60.0)))
    quiet = line_noise(rng, MINUTE, -65.0)  # a minute on hold: the line's hiss
    standard = OpusSettings(10.0)
    talk, silence = encoded(talking, standard), encoded(quiet, standard)
    no_dtx = encoded(quiet[: MINUTE // 3], dataclasses.replace(standard, dtx=False))
    third = talking[: MINUTE // 3]
    low, high = encoded(third, OpusSettings(6.0)), encoded(third, OpusSettings(16.0))
    print(f"\na minute at 10 kbit/s: talking {len(talk)} bytes, line noise {len(silence)} "
          f"(20 s of it without DTX {len(no_dtx)}); 20 s of talk at 6 / 16 kbit/s: "
          f"{len(low)} / {len(high)}")
    assert len(silence) < len(talk) / 4  # DTX: a pause costs a fraction of talk
    assert len(silence) * 8 / 60 < 2000  # under 2 kbit/s, the Ogg pages included
    assert 3 * len(no_dtx) > 2 * len(silence)  # a third of the time, without DTX: more
    assert len(high) > 1.8 * len(low)  # the bitrate is the one asked for
    assert len(talk) < 10_000 * 60 / 8 * 1.1  # VBR stays near the bitrate set


@pytest.mark.parametrize("samples", [1, 159, 8000, 8001, 24007])
def test_a_file_decodes_to_exactly_its_length(tmp_path, rng, samples):
    pcm = speechlike(rng, samples / 8000 + 0.01)[:samples]
    path = tmp_path / "x.opus"
    path.write_bytes(encoded(pcm, OpusSettings(10.0)))
    info = ogg_opus_info(path)
    assert (info.channels, info.input_rate, info.samples) == (1, 8000, samples)
    decoded, rate = soundfile.read(path, dtype="int16")
    assert rate == 8000 and decoded.size == samples
    assert np.concatenate(list(pcm_blocks(path))).size == samples


def test_a_truncated_or_foreign_file_is_an_error_naming_it(tmp_path, rng):
    whole = encoded(speechlike(rng, 20.0), OpusSettings(10.0))
    for name, data in (("cut.opus", whole[: len(whole) * 2 // 3]),
                       ("cut-in-last-page.opus", whole[:-5]),
                       ("trailing.opus", whole + b"\0" * 40),
                       ("empty.opus", b""),
                       ("not-ogg.opus", b"RIFF" + bytes(100))):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(StoredFileError, match=str(path)):
            ogg_opus_info(path)
        with pytest.raises(AudioFileError, match=str(path)):
            list(pcm_blocks(path))


def test_without_libopusenc_the_error_names_the_package(monkeypatch):
    monkeypatch.setattr(opus, "LIBRARY", "libopusenc-not-here.so.0")
    opus._binding.cache_clear()
    try:
        with pytest.raises(OpusUnavailableError, match=r"apt-get install libopusenc0"):
            OggOpusWriter(io.BytesIO(), OpusSettings(10.0))
    finally:
        monkeypatch.undo()
        opus._binding.cache_clear()
    assert opus.library_version().startswith("libopusenc")


def test_settings_out_of_libopus_range_are_refused():
    for bad in ({"bitrate_kbps": 4.0}, {"bitrate_kbps": 40.0}, {"bitrate_kbps": 10.0,
                "complexity": 11}, {"bitrate_kbps": 10.0, "frame_ms": 30}):
        with pytest.raises(ValueError):
            OpusSettings(**bad)


# ---- the settings ----------------------------------------------------------------------


def test_the_defaults_compress_at_10_and_archive_is_off():
    archive = default_config().device.archive
    assert archive == Archive(compress=True, bitrate_kbps=10.0, archive_after_days=0,
                              archive_bitrate_kbps=7.0, complexity=3)
    tiers = Tiers.from_settings(archive)
    assert tiers.enabled and tiers.standard.bitrate_kbps == 10.0 and tiers.standard.dtx


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("bitrate_kbps", 40, "device.archive.bitrate_kbps: 40.0 is outside 5..32"),
    ("archive_bitrate_kbps", 2, "device.archive.archive_bitrate_kbps: 2.0 is outside 5..32"),
    ("archive_after_days", -1, "device.archive.archive_after_days: -1 is outside 0..36500"),
    ("complexity", 12, "device.archive.complexity: 12 is outside 0..10"),
    ("compress", "yes", "device.archive.compress"),
    ("opus", 1, "device.archive.opus: unknown setting"),
])
def test_archive_settings_out_of_range_are_refused_with_their_place(key, value, problem):
    plain = to_plain(default_config())
    plain["device"]["archive"][key] = value
    with pytest.raises(SchemaError) as refused:
        validate(plain)
    assert any(problem in text for text in refused.value.problems), refused.value.problems


def test_a_long_archive_tier_larger_than_the_standard_one_is_refused():
    plain = to_plain(default_config())
    plain["device"]["archive"].update(archive_after_days=90, archive_bitrate_kbps=12.0)
    with pytest.raises(SchemaError, match="would make old recordings larger"):
        validate(plain)
    plain["device"]["archive"]["compress"] = False  # WAV straight to the archive tier: fine
    assert validate(plain).device.archive.archive_bitrate_kbps == 12.0


def test_a_configuration_from_before_has_the_defaults():
    plain = to_plain(default_config())
    del plain["device"]["archive"]
    assert validate(plain).device.archive == Archive()


# ---- the worker ------------------------------------------------------------------------


def settings_with(**archive) -> object:
    config = default_config()
    return dataclasses.replace(config, device=dataclasses.replace(
        config.device, archive=Archive(**archive)))


@pytest.fixture
def folder(tmp_path):
    return DataFolder(tmp_path / "data")


def service(store, folder, *, settle_s=0.0, **archive):
    config = settings_with(**archive)
    full = []
    worker = ArchiveService(store, folder.recordings, lambda: config, settle_s=settle_s,
                            on_disk_full=lambda: full.append(True))
    worker.full = full
    return worker


def test_the_worker_takes_the_oldest_first_and_reports_it(folder, rng):
    made = make_recordings(folder, 4, rng, seconds=(1.0, 2.0))
    with Store(folder.database) as store:
        worker = service(store, folder)
        done = []
        while worker.run_once():
            done.append(worker.state().last_done)
        rows = [store.recording(item.recording_id) for item in made]
        state = worker.state()
    assert done == [row.path for row in rows]  # made oldest first
    assert all(row.path.endswith(".opus") and row.stored_tier == "standard" for row in rows)
    assert (state.enabled, state.waiting, state.done, state.failed) == (True, 0, 4, 0)
    assert state.saved_bytes > 0 and state.last_problem is None
    assert problems_of(folder, made) == []


def test_the_long_archive_tier_takes_the_old_ones_again(folder, rng):
    # A few seconds each: below about two, the Ogg pages and headers outweigh what the
    # lower bitrate saves, and a re-encoded recording may come out a few bytes larger.
    made = make_recordings(folder, 4, rng, seconds=(3.0, 5.0))
    with Store(folder.database) as store:
        worker = service(store, folder)
        while worker.run_once():
            pass
        standard = {row.id: row.stored_bytes for row in store.recordings()}
        worker = service(store, folder, archive_after_days=5)
        while worker.run_once():
            pass
        rows = store.recordings()
    old = [row for row in rows if row.started_at < time.time() - 5 * 86400]
    assert old and len(old) < len(rows)
    wrong = [(row.path, row.stored_tier, row.stored_bitrate_kbps, row.stored_bytes,
              standard[row.id]) for row in old
             if not (row.path.endswith(".oga") and row.stored_tier == "archive"
                     and row.stored_bitrate_kbps == 7.0 and row.stored_bytes < standard[row.id])]
    assert wrong == []
    assert all(row.stored_tier == "standard" for row in rows if row not in old)
    assert problems_of(folder, made) == []


def test_off_the_worker_does_nothing(folder, rng):
    make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    with Store(folder.database) as store:
        worker = service(store, folder, compress=False)
        assert not worker.run_once()
        assert worker.state().enabled is False
        assert all(row.stored_format == "wav" for row in store.recordings())


def test_it_never_touches_a_recording_in_progress_a_fresh_one_or_one_on_hold(folder, rng):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))
    now = time.time()
    with Store(folder.database) as store:
        LegalHold(store).set_recording(made[0].recording_id, True, Actor("aud"))
        relative = relative_path(1, now - 60, "live")
        live = RecordingFile(folder.recordings, relative, "alaw",
                             {"line": 1, "started_at": now - 60})
        live.append(bytes(8000))
        live_id = store.add_recording(1, relative, "alaw", now - 60)
        fresh = make_recordings(folder, 1, rng, seconds=(1.0, 1.5), now=now + 10 * 86400)[0]
        worker = service(store, folder, settle_s=300.0)
        while worker.run_once():
            pass
        live.append(bytes(8000))  # the recorder goes on writing its file
        live.close()
        assert store.recording(made[0].recording_id).stored_format == "wav"  # held
        assert store.recording(made[1].recording_id).stored_format == "opus"
        assert store.recording(live_id).path == relative  # in progress: left alone
        assert store.recording(fresh.recording_id).stored_format == "wav"  # not settled yet
        assert worker.state().waiting == 0


def test_a_full_disk_is_logged_retention_asked_and_compression_waits(folder, rng, monkeypatch,
                                                                    caplog):
    made = make_recordings(folder, 2, rng, seconds=(1.0, 2.0))

    def no_room(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    with Store(folder.database) as store:
        worker = service(store, folder)
        with monkeypatch.context() as patch:
            patch.setattr(transcode._HashingFile, "write", no_room)
            with caplog.at_level(logging.WARNING, "firmware.engine.archive"):
                assert not worker.run_once()
            assert not worker.run_once()  # it waits, it does not try each recording in turn
        state = worker.state()
        assert "the disk is full" in state.last_problem and worker.full == [True]
        assert "the disk is full" in caplog.text
        assert problems_of(folder, made) == []  # nothing half-done, no temporary file
        assert all(row.stored_format == "wav" for row in store.recordings())
        worker.wake()  # room again (or the wait is over)
        while worker.run_once():
            pass
        assert all(row.stored_format == "opus" for row in store.recordings())


def test_a_damaged_file_is_logged_passed_over_and_the_others_go_on(folder, rng, caplog):
    made = make_recordings(folder, 3, rng, seconds=(1.0, 2.0))
    damaged = folder.recordings / made[0].relative
    damaged.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(200))
    changed = folder.recordings / made[1].relative
    changed.write_bytes(changed.read_bytes()[:-100] + bytes(100))  # not what the index holds
    with Store(folder.database) as store:
        with store.transaction() as connection:  # the damaged one was stored so (its hash)
            from firmware.store.recordings import file_sha256  # noqa: PLC0415

            connection.execute("UPDATE recordings SET sha256 = ? WHERE id = ?",
                               (file_sha256(damaged), made[0].recording_id))
        worker = service(store, folder)
        with caplog.at_level(logging.ERROR, "firmware.engine.archive"):
            while worker.run_once():
                pass
        rows = {row.id: row for row in store.recordings()}
        state = worker.state()
    assert rows[made[0].recording_id].stored_format == "wav"
    assert rows[made[1].recording_id].stored_format == "wav"
    assert rows[made[2].recording_id].stored_format == "opus"
    assert str(damaged) in caplog.text and "no usable WAV header" in caplog.text
    assert "left as it is for the integrity check" in caplog.text
    assert state.failed == 2 and state.done == 1 and state.waiting == 2
    assert not [path for path in folder.recordings.rglob(".*") if path.suffix == ".partial"]


def test_a_stop_while_encoding_gives_the_recording_up_unchanged(folder, rng):
    made = make_recordings(folder, 1, rng, seconds=(3.0, 4.0))
    calls = []

    def cancelled() -> bool:
        calls.append(True)
        return len(calls) > 2  # the engine stops during the third second of audio

    with Store(folder.database) as store:
        row = store.recording(made[0].recording_id)
        with pytest.raises(transcode.CancelledError, match="stopped before it was compressed"):
            transcode.transcode(store, folder.recordings, row, "standard", OpusSettings(10.0),
                                cancelled=cancelled)
    assert problems_of(folder, made) == []  # the WAV as it was, nothing left beside it


def test_the_thread_is_named_archive_at_the_lowest_priority(folder, rng):
    make_recordings(folder, 1, rng, seconds=(1.0, 1.5))
    with Store(folder.database) as store:
        worker = service(store, folder)
        worker.check_interval_s = 0.05
        worker.start()
        try:
            (thread,) = [t for t in threading.enumerate() if t.name == "archive"]
            deadline = time.monotonic() + 20
            while worker.state().done < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == 19
            assert worker.state().done == 1
        finally:
            worker.stop()
        assert not any(t.name == "archive" for t in threading.enumerate())


# ---- the index, retention, the status ------------------------------------------------


def test_the_migration_adds_the_stored_file_columns_to_existing_rows(tmp_path, monkeypatch):
    path = tmp_path / "linerec.db"
    ours = next(number for number, text in enumerate(MIGRATIONS, 1) if "stored_format" in text)
    monkeypatch.setattr("firmware.store.db.MIGRATIONS", MIGRATIONS[: ours - 1])
    with Store(path) as store:
        store.add_recording(1, "a/1.wav", "alaw", 1.0, state="complete", samples=8000,
                            sha256="aa")
    monkeypatch.undo()
    with Store(path) as store:
        row = store.recording(1)
        assert (row.stored_format, row.stored_tier, row.stored_sha256, row.file_sha256) == (
            "wav", None, None, "aa")
        indexes = {name for (name,) in store.connection().execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "recordings_to_archive" in indexes


def test_retention_and_the_usage_size_a_compressed_recording_by_its_stored_bytes(folder, rng):
    made = make_recordings(folder, 2, rng, seconds=(10.0, 11.0))
    with Store(folder.database) as store:
        worker = service(store, folder)
        worker.run_once()
        compressed = store.recording(made[0].recording_id)
        wav = store.recording(made[1].recording_id)
        usage = recordings_usage(store, time.time(), 0)
        assert usage.bytes == compressed.stored_bytes + wav.samples
        assert compressed.stored_bytes < compressed.samples / 5
        # Sized by the file's blocks while it can be read; from the index when it cannot.
        (folder.recordings / compressed.path).unlink()
        policy = retention.RetentionPolicy(min_free_gb=1.0)
        disk = retention.DiskSpace(total=100 * 2**30, free=0)
        planned = retention.plan(store, folder.recordings, policy, disk, time.time())
        sizes = {item.recording_id: item.size for item in planned.deletions}
    block = retention.BLOCK
    assert sizes[compressed.id] == (-(-compressed.stored_bytes // block) * block
                                    + retention.SIDECAR_BYTES)


def test_the_worker_state_goes_through_the_status_to_the_health_report(folder, rng):
    made = make_recordings(folder, 1, rng, seconds=(1.0, 1.5))
    with Store(folder.database) as store:
        worker = service(store, folder)
        worker.run_once()
        state = worker.state()
    reply = contract.StatusReply((), (), None, archive=state)
    message = contract.decode_from_engine(contract.encode_reply(7, reply))
    assert contract.reply_of(contract.StatusCommand(), message.fields) == reply
    report = gather(folder, reply)
    text = "\n".join(report_lines(report))
    assert "archive     on: 0 waiting, 1 compressed since the engine started" in text
    problem = dataclasses.replace(state, last_problem="the disk is full",
                                  last_problem_at=time.time())
    unhealthy = gather(folder, dataclasses.replace(reply, archive=problem))
    assert any("compression after the call: the disk is full" in str(p)
               for p in unhealthy.problems)
    assert made
