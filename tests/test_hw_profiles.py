"""Hardware profiles: the presets that come with the box, and ``linerec hw-profile``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from firmware.cli.commands import main
from firmware.config import ConfigStore, default_config
from firmware.hardware.profiles import ProfileError, load_profile, profile_names


def test_the_box_comes_with_the_documented_profiles():
    assert profile_names() == ["hat-2", "hat-4", "modem-2"]


@pytest.mark.parametrize("name", ["hat-2", "hat-4", "modem-2"])
def test_every_profile_loads_and_gives_each_pin_to_one_line(name):
    profile = load_profile(name)
    assert profile.line_numbers == list(range(1, len(profile.lines) + 1))
    assert profile.title


def test_hat_4_extends_hat_2():
    two, four = load_profile("hat-2"), load_profile("hat-4")
    assert four.lines[:2] == two.lines
    assert all(line.settings["audio"].startswith("alsa:plughw:CARD=linerec") for line in four.lines)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('title = "x"\n', "no [[lines]]"),
        ("[[lines]]\nnumber = 1\ncolour = 'red'\n", "unknown key(s) colour"),
        ("[[lines]]\nnumber = 0\naudio = 'null:'\n", "lines[0].number: 0 is not a line number"),
        ("[[lines]]\nnumber = 1\n", "gives none of audio"),
        ("[[lines]]\nnumber = 1\naudio = 'alsa'\n", "lines[0].audio:"),
        ("[[lines]]\nnumber = 1\nsignals = 'gpio:ring=17,loop=27'\n", "relay pin is missing"),
        ("[[lines]]\nnumber = 1\nmodem = 'serial:/dev/x?listen=a'\n", "listen='a'"),
        (
            "[[lines]]\nnumber = 1\nsignals = 'gpio:ring=17,loop=27,relay=22'\n"
            "[[lines]]\nnumber = 2\nsignals = 'gpio:ring=5,loop=6,relay=17'\n",
            "lines[1].signals: GPIO 17 is already line 1's",
        ),
        (
            "[[lines]]\nnumber = 1\naudio = 'null:'\n[[lines]]\nnumber = 1\naudio = 'null:'\n",
            "line 1 is given twice",
        ),
        ("lines = [", "not a TOML file"),
    ],
)
def test_a_wrong_profile_file_names_its_problem(tmp_path, text, problem):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert problem in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError, match=r"no hardware profile 'hat-9' \(profiles: hat-2, hat-4"):
        load_profile("hat-9")


def test_list_and_show(capsys):
    assert main(["hw-profile", "list"]) == 0
    listing = capsys.readouterr().out
    assert "hat-2" in listing and "hat-4" in listing and "(lines 1, 2, 3, 4)" in listing
    assert main(["hw-profile", "show", "hat-2"]) == 0
    shown = capsys.readouterr().out
    assert "line 2:" in shown
    assert "gpio:ring=5,loop=6,relay=13,active_low=ring+loop" in shown


def test_apply_writes_the_lines_through_the_store(tmp_path, capsys):
    store = ConfigStore(tmp_path)
    store.save(default_config())
    store.update_line(2, modem="serial:/dev/ttyACM0", name="Front desk")
    assert main(["hw-profile", "apply", "hat-2", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    config = store.read()
    line1, line2, line3 = config.lines[:3]
    assert line1.audio == line1.playback == "alsa:plughw:CARD=linerec1,DEV=0"
    assert line1.signals == "gpio:ring=17,loop=27,relay=22,active_low=ring+loop"
    assert line2.modem == "" and line2.name == "Front desk"  # the interface replaces the modem
    assert line3.audio == "sim:"  # not in the profile
    assert "line(s) 3, 4: not in hat-2, left as they are" in out
    assert "modem     serial:/dev/ttyACM0 -> (none)" in out
    assert "the engine is not running" in out
    assert main(["hw-profile", "apply", "hat-2", "--data", str(tmp_path)]) == 0
    assert "line 1: already as the profile has it" in capsys.readouterr().out


def test_apply_on_a_new_box_adds_missing_lines_and_keeps_a_copy(tmp_path, capsys):
    store = ConfigStore(tmp_path)
    store.save(default_config(line_count=2))
    assert main(["hw-profile", "apply", "hat-4", "--data", str(tmp_path)]) == 0
    config = store.read()
    assert [line.number for line in config.lines] == [1, 2, 3, 4]
    assert config.lines[3].signals.startswith("gpio:ring=20,")
    assert config.lines[3].recording.mode == "auto"  # the defaults for the rest
    assert "line 3: added, changed" in capsys.readouterr().out
    document = json.loads(store.path.read_text())
    assert len(document["lines"]) == 4


def test_apply_modem_profile_and_dry_run(tmp_path, capsys):
    store = ConfigStore(tmp_path)
    store.save(default_config())
    before = store.path.read_bytes()
    assert main(["hw-profile", "apply", "modem-2", "--dry-run", "--data", str(tmp_path)]) == 0
    assert "would change" in capsys.readouterr().out
    assert store.path.read_bytes() == before
    assert main(["hw-profile", "apply", "modem-2", "--data", str(tmp_path)]) == 0
    assert store.read().lines[0].modem == "serial:/dev/linerec-modem1?baud=115200"


def test_apply_refuses_a_configuration_it_cannot_read(tmp_path, capsys):
    (tmp_path / "config.json").write_text("{broken")
    assert main(["hw-profile", "apply", "hat-2", "--data", str(tmp_path)]) == 2
    assert "config.json" in capsys.readouterr().err
    assert (tmp_path / "config.json").read_text() == "{broken"  # left for `config restore`


def test_apply_names_a_missing_profile_in_one_line(tmp_path, capsys):
    assert main(["hw-profile", "apply", "hat-9", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no hardware profile 'hat-9'" in err


# ---- the udev rules and the wiring diagram agree with the profiles ------------------------

ROOT = Path(__file__).resolve().parent.parent


def _rules(name: str) -> list[str]:
    text = (ROOT / "deploy" / "udev" / name).read_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_udev_rules_name_every_card_and_modem_the_profiles_use():
    sound = _rules("90-linerec-sound.rules")
    cards = [re.search(r'ATTR\{id\}="(\w+)"', rule).group(1) for rule in sound]
    ports = [re.search(r'KERNELS=="([\d.-]+)"', rule).group(1) for rule in sound]
    assert len(set(cards)) == len(cards) and len(set(ports)) == len(ports)
    assert all(len(card) <= 15 for card in cards)  # ALSA's limit on a card id
    assert all('SUBSYSTEM=="sound"' in rule and 'KERNEL=="card*"' in rule for rule in sound)
    modems = [
        re.search(r'SYMLINK\+="([\w-]+)"', rule).group(1)
        for rule in _rules("91-linerec-modem.rules")
    ]
    for name in profile_names():
        for line in load_profile(name).lines:
            card = re.search(r"CARD=(\w+)", line.settings.get("audio", ""))
            if card:
                assert card.group(1) in cards, (name, line.number)
            modem = re.search(r"/dev/([\w-]+)", line.settings.get("modem", ""))
            if modem:
                assert modem.group(1) in modems, (name, line.number)


def test_the_wiring_table_is_the_hat_4_profile():
    table = (ROOT / "docs" / "wiring.md").read_text()
    rows = re.findall(r"^\| (\d) \| GPIO(\d+) .*? \| GPIO(\d+) .*? \| GPIO(\d+) ", table, re.M)
    wired = {int(n): (int(r), int(lo), int(re_)) for n, r, lo, re_ in rows}
    for line in load_profile("hat-4").lines:
        pins = re.search(r"ring=(\d+),loop=(\d+),relay=(\d+)", line.settings["signals"])
        assert wired[line.number] == tuple(map(int, pins.groups()))


@pytest.mark.parametrize("command", [["hw-profile", "apply", "hat-2"], ["hw-test", "--yes"]])
def test_a_missing_data_folder_is_one_line(tmp_path, capsys, command):
    data = tmp_path / "unmounted"
    assert main([*command, "--data", str(data)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"linerec: error: data folder {data} does not exist\n"
    assert not data.exists()
