"""The device configuration: schema, atomic storage, check-config."""

from __future__ import annotations

import json
import os
import re

import pytest

from firmware.cli.commands import main
from firmware.config import ConfigError, ConfigStore, default_config, validate
from firmware.schema import SchemaError
from firmware.store import backups, files
from firmware.store.backups import config_copies
from tests.recovery_folders import linerec, run_read_only


def test_a_new_box_starts_with_the_default_configuration_on_disk(tmp_path):
    store = ConfigStore(tmp_path)
    loaded = store.load()
    assert loaded == default_config()
    assert loaded.device.country == "CN"
    assert [line.number for line in loaded.lines] == [1, 2, 3, 4]
    assert store.path.exists()
    assert ConfigStore(tmp_path).load() == loaded


def test_changes_are_saved_and_read_back(tmp_path):
    store = ConfigStore(tmp_path)
    store.load()
    store.update_line(
        3,
        name="Sales",
        recording={
            "mode": "schedule",
            "schedule": [{"days": ["mon", "tue"], "start": "08:30", "end": "17:45"}],
        },
    )
    store.set_device(country="GB", no_record=["+8613800138000", "10086"])
    reloaded = ConfigStore(tmp_path).load()
    line = reloaded.lines[2]
    assert line.name == "Sales"
    assert line.recording.mode == "schedule"
    assert line.recording.schedule[0].start == "08:30"
    assert reloaded.device.country == "GB"
    assert reloaded.device.no_record == ["+8613800138000", "10086"]


def test_every_problem_is_reported_with_its_place(tmp_path):
    document = {
        "device": {"country": "FR", "no_record": ["12ab"], "volume": 3},
        "lines": [
            {"number": 1, "recording": {"mode": "sometimes", "vox": {"hangover_ms": -1}}},
            {"number": "two", "audio": "nothing"},
            {
                "number": 3,
                "recording": {
                    "schedule": [{"days": ["mon", "someday"], "start": "25:00", "end": "9"}]
                },
            },
        ],
        "extras": {},
    }
    with pytest.raises(SchemaError) as caught:
        validate(document)
    problems = caught.value.problems
    expected_places = [
        "extras: unknown section",
        "device.volume: unknown setting",
        "device.country: 'FR' is not one of",
        "device.no_record: ['12ab'] are not phone numbers",
        "lines[0].recording.mode: 'sometimes'",
        "lines[0].recording.vox.hangover_ms: -1 is outside",
        "lines[1].number: expected int, got 'two'",
        "lines[1].audio: 'nothing' is not a driver setting",
        "lines[2].recording.schedule[0].days: ['someday'] are not weekdays",
        "lines[2].recording.schedule[0].start: '25:00' is not a time",
        "lines[2].recording.schedule[0].end: '9' is not a time",
    ]
    for place in expected_places:
        assert any(problem.startswith(place) for problem in problems), (place, problems)
    assert len(problems) == len(expected_places)


def test_whole_configuration_rules(tmp_path):
    with pytest.raises(SchemaError, match="line number 2 is used twice"):
        validate({"lines": [{"number": 2}, {"number": 2}]})
    with pytest.raises(SchemaError, match="mode 'schedule' needs a window"):
        validate({"lines": [{"number": 1, "recording": {"mode": "schedule"}}]})
    with pytest.raises(SchemaError, match="missing"):
        validate({"lines": [{"name": "no number"}]})


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ({"start": "12"}, r"manual_codes\.start: '12' is not a key code"),
        ({"stop": "*"}, r"manual_codes\.stop: '\*' is not a key code"),
        ({"start": "*123456789"}, "is not a key code"),
        ({"start": "*1A"}, "is not a key code"),
        ({"start": "*1", "stop": "*1"}, "neither code may be the other"),
        ({"start": "*1", "stop": "*12"}, "neither code may be the other, or begin it"),
    ],
)
def test_key_codes_of_manual_mode_are_checked(codes, problem):
    with pytest.raises(SchemaError, match=problem):
        validate({"device": {"manual_codes": codes}, "lines": []})


def test_key_codes_default_to_star_one_and_star_zero_and_may_be_turned_off():
    assert validate({"lines": []}).device.manual_codes.start == "*1"
    assert validate({"lines": []}).device.manual_codes.stop == "*0"
    codes = validate({"device": {"manual_codes": {"start": "", "stop": "#00"}}, "lines": []})
    assert (codes.device.manual_codes.start, codes.device.manual_codes.stop) == ("", "#00")


def test_nothing_invalid_is_ever_written(tmp_path):
    store = ConfigStore(tmp_path)
    store.load()
    before = store.path.read_bytes()
    with pytest.raises(ConfigError, match="is not one of"):
        store.update_line(1, recording={"mode": "always"})
    with pytest.raises(ConfigError, match="no line 9"):
        store.update_line(9, name="x")
    assert store.path.read_bytes() == before


def test_a_write_that_fails_half_way_keeps_the_old_file(tmp_path, monkeypatch):
    store = ConfigStore(tmp_path)
    store.load()
    before = store.path.read_bytes()

    def power_cut(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", power_cut)
    with pytest.raises(OSError, match="Input/output"):
        store.update_line(1, name="never saved")
    assert store.path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["backups", "config.json"]  # no temporary left


def test_a_broken_file_is_reported_not_replaced(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"device": {"1": {"country": "CN"')
    with pytest.raises(ConfigError, match="not valid JSON"):
        ConfigStore(tmp_path).load()
    assert path.read_text() == '{"device": {"1": {"country": "CN"'


def test_check_config_command(tmp_path, capsys):
    assert main(["check-config", "--data", str(tmp_path)]) == 0
    assert "no configuration yet" in capsys.readouterr().out
    ConfigStore(tmp_path).load()
    assert main(["check-config", "--data", str(tmp_path)]) == 0
    assert "OK (4 lines, country CN)" in capsys.readouterr().out

    document = json.loads((tmp_path / "config.json").read_text())
    document["lines"]["2"]["recording"]["mode"] = "loud"
    document["lines"]["4"]["number"] = 0
    (tmp_path / "config.json").write_text(json.dumps(document))
    assert main(["check-config", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err
    assert "lines.2.recording.mode: 'loud' is not one of" in err
    assert "lines.4.number: 0 is outside 1..64" in err


# ---- copies kept, restored; a broken file is an error, never the defaults --------------


def good_box(data_dir) -> ConfigStore:
    """A configured box: its own no-record list, saved twice (so copies are kept)."""
    store = ConfigStore(data_dir)
    store.load()
    store.set_device(no_record=["+8613800138000"])
    return store


def test_every_save_keeps_the_version_it_replaces_and_the_new_one(tmp_path, monkeypatch):
    store = good_box(tmp_path)
    copies = config_copies(store.folder)
    kept = copies.all()
    assert [json.loads(path.read_text())["device"]["1"]["no_record"] for path in kept] == [
        ["+8613800138000"], []]
    assert kept[0].read_bytes() == store.path.read_bytes()
    store.save(store.load())  # the same again: no new copy
    assert copies.all() == kept
    monkeypatch.setattr(backups, "CONFIG_BACKUPS_KEPT", 3)
    for number in range(5):
        store.update_line(1, name=f"Reception {number}")
    assert len(config_copies(store.folder).all()) == 3
    hand_edited = json.loads(store.path.read_text())
    hand_edited["lines"]["2"]["name"] = "edited by hand"
    store.path.write_text(json.dumps(hand_edited))
    store.update_line(3, name="Sales")  # the hand edit was a good version too: kept
    assert any(
        json.loads(path.read_text())["lines"]["2"]["name"] == "edited by hand"
        for path in config_copies(store.folder).all()
    )


def test_config_restore_puts_back_the_last_good_copy(tmp_path, capsys):
    store = good_box(tmp_path)
    good = store.path.read_bytes()
    store.path.write_bytes(good[: len(good) // 2])  # cut short
    broken = store.path.read_bytes()
    assert main(["config", "restore", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    latest = config_copies(store.folder).latest()
    assert out[0] == f"restored    {store.path} from {latest} (4 lines, country CN)"
    assert out[1] == "engine      not running: the configuration applies when it starts"
    assert store.load().device.no_record == ["+8613800138000"]
    kept = list(store.folder.damaged.glob("config-*.json"))
    assert [path.read_bytes() for path in kept] == [broken]  # the broken one is kept too


def test_config_restore_checks_the_copy_first(tmp_path, capsys):
    store = good_box(tmp_path)
    before = store.path.read_bytes()
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"device": {"1": {"country": "FR"}}, "lines": {}}))
    assert main(["config", "restore", str(wrong), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"linerec: error: {wrong}: device.country: 'FR' is not one of 'CN', 'US', " \
                  "'GB', 'DE'\n"
    assert store.path.read_bytes() == before
    # A copy that went bad is passed over for the one before it.
    newest, before_it = config_copies(store.folder).all()[:2]
    newest.write_text("{")
    assert main(["config", "restore", "--data", str(tmp_path)]) == 0
    assert f"from {before_it} " in capsys.readouterr().out
    assert store.load().device.no_record == []


def test_config_backup_keeps_a_copy_now_or_writes_a_file(tmp_path, capsys):
    store = good_box(tmp_path)
    target = tmp_path / "elsewhere.json"
    assert main(["config", "backup", str(target), "--data", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"kept        {store.path} as {target}\n"
    assert target.read_bytes() == store.path.read_bytes()
    assert main(["config", "restore", str(target), "--data", str(tmp_path)]) == 0
    store.path.write_text("[]")
    assert main(["config", "backup", "--data", str(tmp_path)]) == 2  # never a bad one
    assert "expected an object of tables (device, lines), found a list" in capsys.readouterr().err


def test_a_lost_file_with_copies_kept_is_an_error_not_the_defaults(tmp_path, capsys):
    store = good_box(tmp_path)
    store.path.unlink()
    with pytest.raises(ConfigError, match="missing, although copies of it are kept; put back"):
        store.load()
    assert not store.path.exists()
    assert main(["check-config", "--data", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"linerec: error: {store.path}: missing, although copies of it are kept; put back the "
        f"last good copy with: linerec config restore --data {tmp_path}\n"
    )


def _cut_short(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _rewrite(change):
    def rewrite(path):
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))

    return rewrite


def _not_utf8(path):
    data = path.read_bytes()
    offset = data.index(b"Line 1")
    path.write_bytes(data[:offset] + b"\xff" + data[offset + 1 :])


def _a_folder(path):
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("{}")


CONFIG_FAULTS = {
    "empty": (lambda path: path.write_bytes(b""), "an empty file"),
    "truncated": (_cut_short, "(it ends early: cut short?)"),
    "a table as a list": (
        _rewrite(lambda document: document.update(lines=list(document["lines"].values()))),
        "lines: expected a table (an object of documents by number), found a list",
    ),
    "a line as a string": (
        _rewrite(lambda document: document["lines"].update({"2": "Line 2"})),
        "lines.2: expected a document (an object), found a string",
    ),
    "not UTF-8": (_not_utf8, "not UTF-8 text (byte 0xff at offset "),
    "a folder": (_a_folder, "a folder, not a file"),
}


@pytest.mark.parametrize("fault", sorted(CONFIG_FAULTS))
def test_a_broken_configuration_is_one_line_naming_it_and_its_remedy(tmp_path, capsys, fault):
    make, problem = CONFIG_FAULTS[fault]
    store = good_box(tmp_path)
    make(store.path)
    as_broken = store.path.read_bytes() if store.path.is_file() else None
    remedy = f"; put back the last good copy with: linerec config restore --data {tmp_path}"

    assert main(["check-config", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"linerec: error: {store.path}: ")
    assert problem in err and err.endswith(remedy + "\n")

    assert main(["recover", "--data", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"config      {store.path}: ") and problem in out[0]
    assert out[0].endswith(remedy)

    assert main(["engine", "--data", str(tmp_path)]) == 2  # refuses to start, in one line
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err and err.endswith(remedy + "\n")
    # Never replaced by the defaults.
    assert (store.path.read_bytes() if store.path.is_file() else None) == as_broken
    with pytest.raises(ConfigError, match=re.escape(problem)):
        store.load()


def test_a_configuration_in_a_read_only_folder_is_one_line_from_each_command(tmp_path):
    good_box(tmp_path / "data")
    data = str(tmp_path / "data")
    results = run_read_only(
        tmp_path / "data",
        [linerec("check-config", "--data", data), linerec("recover", "--data", data),
         linerec("engine", "--data", data)],
    )
    for status, out, err in results:
        assert (status, out) == (2, "")
        assert err == (
            f"linerec: error: data folder {data} is read-only: the box must write its "
            "database and recordings there\n"
        )


@pytest.mark.parametrize(("announcement", "prompt", "problem"), [
    ("both", "announcement", None),
    ("inbound", 12, None),
    ("off", 1, None),
    ("always", "announcement", "announcement: 'always' is not one of"),
    ("both", "welcome", "announcement_prompt: 'welcome' is not a prompt"),
    ("both", 0, "announcement_prompt: 0 is not a prompt's id"),
    ("both", 1.5, "announcement_prompt: expected str or int, got 1.5"),
    ("both", True, "announcement_prompt: expected str or int, got True"),
])
def test_a_lines_announcement_and_its_prompt_are_checked(announcement, prompt, problem):
    document = {"lines": [{"number": 1, "announcement": announcement,
                           "announcement_prompt": prompt}]}
    if problem is None:
        line = validate(document).lines[0]
        assert (line.announcement, line.announcement_prompt) == (announcement, prompt)
        return
    with pytest.raises(SchemaError) as caught:
        validate(document)
    assert any(problem in text for text in caught.value.problems), caught.value.problems


def test_a_line_announces_nothing_by_default():
    line = default_config(1).lines[0]
    assert (line.announcement, line.announcement_prompt) == ("off", "announcement")
