"""Device settings from the web: lines, schedules, operators, country, no-record list, live."""

from __future__ import annotations

import re
import time

import pytest

from firmware.cli.processes import open_configured_line
from firmware.config import ConfigStore
from firmware.engine import Engine
from firmware.store.audit import parse_detail
from tests.web_client import web_box
from webui.audit_text import describe
from webui.i18n import Translator

pytestmark = pytest.mark.usefixtures("quick_passwords")


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    store = ConfigStore(tmp_path)
    config = store.load()  # a new box: four lines
    for line in config.lines:
        store.update_line(line.number, audio="null:", playback="null:")  # silence at real time
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "ana": made.add_user("ana", permissions={"pop"}),
        "ben": made.add_user("ben", permissions={"pop"}, lines=frozenset({1})),
    }
    made.client = made.signed_in("boss")
    yield made
    made.close()


def line_form(**values) -> list[tuple[str, str]]:
    fields = {"name": "Front desk", "mode": "auto", "encoding": "alaw", "vox_threshold": "-45",
              "vox_hangover": "3000", "vox_preroll": "500", "audio": "null:", "signals": "sim:",
              "playback": "null:", "modem": "", "enabled": "yes"}
    fields.update({k: v for k, v in values.items() if k not in ("windows", "operators")})
    pairs = [(k, v) for k, v in fields.items() if v is not None]
    for index, (days, start, end) in enumerate(values.get("windows", [])):
        pairs += [(f"window-{index}-days", day) for day in days]
        pairs += [(f"window-{index}-start", start), (f"window-{index}-end", end)]
    pairs += [("operator", str(user)) for user in values.get("operators", [])]
    return pairs


def field_problems(page) -> list[str]:
    return re.findall(r'class="field-problem">([^<]*)<', page.text)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"vox_threshold": "-80"}, "-80.0 is outside -70 to 0."),
        ({"vox_hangover": "soon"}, "Write a number."),
        ({"vox_preroll": "9000"}, "9000 is outside 0 to 5000."),
        ({"mode": "loud"}, "&#039;loud&#039; is not one of"),
        ({"encoding": "mp3"}, "&#039;mp3&#039; is not one of"),
        ({"mode": "schedule"}, "The schedule mode needs at least one time window."),
        ({"windows": [(["mon"], "25:00", "18:00")]}, "is not a time HH:MM"),
        ({"windows": [([], "09:00", "18:00")]}, "Tick at least one day."),
        ({"audio": "plughw"}, "is not a driver setting"),
        ({"name": "x" * 61}, "At most 60 characters."),
    ],
)
def test_every_schema_problem_is_shown_beside_its_field_and_nothing_is_saved(box, changes,
                                                                            expected):
    before = box.deps.config_store.path.read_bytes()
    answer = box.client.post("/admin/lines/1", line_form(**changes))
    assert answer.status == 400
    assert any(expected in problem for problem in field_problems(answer)), field_problems(answer)
    assert box.deps.config_store.path.read_bytes() == before


def test_the_problems_speak_chinese_to_a_chinese_admin(box):
    box.deps.accounts.update_user(box.ids["boss"], language="zh-CN")
    answer = box.client.post("/admin/lines/1", line_form(vox_threshold="-80"))
    assert "-80.0 超出范围 -70 到 0。" in field_problems(answer)


def test_a_line_is_saved_with_its_schedule_and_operators_while_the_engine_is_off(box):
    answer = box.client.post("/admin/lines/2", line_form(
        name="Sales", mode="schedule", encoding="ulaw", vox_threshold="-40.5",
        windows=[(["mon", "tue", "wed", "thu", "fri"], "09:00", "18:00"),
                 (["sat"], "22:00", "02:00")],
        operators=[box.ids["ana"], 999_999]))
    assert answer.status == 303 and "done=offline" in answer.location
    line = box.deps.config().lines[1]
    assert (line.name, line.recording.mode, line.recording.encoding) == ("Sales", "schedule",
                                                                         "ulaw")
    assert line.recording.vox.threshold_dbm0 == -40.5
    assert [(w.days, w.start, w.end) for w in line.recording.schedule] == [
        (["mon", "tue", "wed", "thu", "fri"], "09:00", "18:00"), (["sat"], "22:00", "02:00")]
    assert [user.username for user in box.deps.accounts.line_users(2)] == ["ana"]
    page = box.client.get(answer.location).text
    assert "not running" in page and 'value="22:00"' in page
    entry = box.deps.audit.entries(action="settings_changed")[0]
    changes = parse_detail(entry.detail)["changes"]
    assert ["recording.mode", "auto", "schedule", 2] in changes
    # The audit page writes it in the reader's language: the schedule as its windows.
    shown = describe(Translator("en"), entry.detail)
    assert "Line 2 · Recording mode: auto → schedule" in shown
    assert "Schedule: none → Mon–Fri 09:00–18:00, Sat 22:00–02:00" in shown
    assert "线路 2 · 时间表：无 → 周一–周五 09:00–18:00, 周六 22:00–02:00" in describe(
        Translator("zh-CN"), entry.detail)
    # Taking ana off the line again, ben (line 1) untouched.
    box.client.post("/admin/lines/2", line_form(name="Sales", mode="auto"))
    assert box.deps.accounts.line_users(2) == []
    assert [u.username for u in box.deps.accounts.line_users(1)] == ["ben"]


def test_the_no_record_list_is_checked_and_kept_in_e164(box):
    bad = box.client.post("/admin/device", {"country": "CN",
                                            "no_record": "138 0013 8000\nnot a number\n\n12"})
    assert bad.status == 400
    problems = " ".join(field_problems(bad))
    assert "Row 2: not a number is not a phone number." in problems and "Row 4" in problems
    wrong_country = box.client.post("/admin/device", {"country": "FR", "no_record": ""})
    assert wrong_country.status == 400 and "is not one of" in " ".join(field_problems(
        wrong_country))
    typed = "138 0013 8000\n+86 138 0013 8000\n95588"
    good = box.client.post("/admin/device", {"country": "CN", "no_record": typed})
    assert good.status == 303
    assert box.deps.config().device.no_record == ["+8613800138000", "95588"]


def test_the_keys_that_record_by_hand_are_set_checked_and_kept(box):
    page = box.client.get("/admin/device").text
    assert 'name="start_code" value="*1"' in page and 'name="stop_code" value="*0"' in page
    form = {"country": "CN", "no_record": ""}
    bad = box.client.post("/admin/device", {**form, "start_code": "12", "stop_code": "*0"})
    assert bad.status == 400
    assert "&#039;12&#039; is not a key code" in " ".join(field_problems(bad))
    clash = box.client.post("/admin/device", {**form, "start_code": "#1", "stop_code": "#12"})
    assert clash.status == 400
    assert "neither may begin the other" in " ".join(field_problems(clash))
    assert box.deps.config().device.manual_codes.start == "*1"
    good = box.client.post("/admin/device", {**form, "start_code": "#7", "stop_code": ""})
    assert good.status == 303
    codes = box.deps.config().device.manual_codes
    assert (codes.start, codes.stop) == ("#7", "")
    # A form without the fields leaves the codes as they are.
    assert box.client.post("/admin/device", form).status == 303
    assert box.deps.config().device.manual_codes.start == "#7"


def test_lines_are_added_and_removed(box):
    assert box.client.post("/admin/lines", {"number": "3", "name": "dup"}).status == 400
    assert box.client.post("/admin/lines", {"number": "99", "name": "x"}).status == 400
    added = box.client.post("/admin/lines", {"number": "6", "name": "Fax"})
    assert added.status == 303 and added.location.startswith("/admin/lines/6")
    assert [line.number for line in box.deps.config().lines] == [1, 2, 3, 4, 6]
    assert box.client.post("/admin/lines/6/delete").status == 400  # not ticked
    box.deps.accounts.update_user(box.ids["ana"], lines=frozenset({6}))
    assert box.client.post("/admin/lines/6/delete", {"confirm": "yes"}).status == 303
    assert [line.number for line in box.deps.config().lines] == [1, 2, 3, 4]
    assert box.deps.accounts.user(box.ids["ana"]).lines == frozenset()
    assert box.client.get("/admin/lines/6").status == 404


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the engine did not pick the change up"
        time.sleep(0.02)


def test_a_running_engine_takes_the_changes_without_a_restart(box):
    engine = Engine(box.data_dir, lambda line: open_configured_line(line, "web-settings-"))
    engine.start()
    try:
        first = dict(engine.workers)
        # A mode change reaches the running line at its next frame; nothing restarts.
        answer = box.client.post("/admin/lines/1", line_form(mode="off"))
        assert answer.status == 303 and "done=applied" in answer.location
        wait_for(lambda: engine.workers[1].state.policy.mode == "off")
        assert engine.workers[1] is first[1]
        assert "The engine took the change" in box.client.get(answer.location).text
        # A new country restarts every (idle) line with the new profile.
        moved = box.client.post("/admin/device", {"country": "US", "no_record": ""})
        assert "restarting=1%2C2%2C3%2C4" in moved.location
        wait_for(lambda: all(engine.workers.get(n) not in (None, first[n]) for n in first))
        assert engine.workers[2].actions.region == "US"
        assert engine.workers[1].state.policy.mode == "off"  # the line kept its own settings
        # A line added from the web starts; one disabled stops.
        box.client.post("/admin/lines", {"number": "5", "name": "New"})
        box.client.post("/admin/lines/5", line_form(name="New"))
        wait_for(lambda: 5 in engine.workers and engine.workers[5].is_alive())
        box.client.post("/admin/lines/3", line_form(enabled=None))
        wait_for(lambda: 3 not in engine.workers)
    finally:
        engine.stop()


def test_the_box_is_set_up_after_the_first_account(box):
    """Country, time zone and the line interface in one form, checked and audited."""
    page = box.client.get("/setup/box").text
    assert 'name="time_zone"' in page and "hat-4" in page and str(box.deps.folder.root) in page
    wrong = box.client.post("/setup/box", {"country": "CN", "time_zone": "Mars/Olympus",
                                           "hardware": ""})
    assert wrong.status == 400 and "Mars/Olympus" in wrong.text
    unknown = box.client.post("/setup/box", {"country": "CN", "time_zone": "",
                                             "hardware": "../../etc/passwd"})
    assert unknown.status == 400
    assert box.deps.config().device.time_zone == ""  # nothing saved
    done = box.client.post("/setup/box", {"country": "GB", "time_zone": "Europe/London",
                                          "hardware": "hat-4"})
    assert done.status == 303 and done.location.endswith("/live")
    config = box.deps.config()
    assert (config.device.country, config.device.time_zone) == ("GB", "Europe/London")
    assert [line.number for line in config.lines] == [1, 2, 3, 4]
    assert all(line.signals.startswith("gpio:") for line in config.lines)
    assert box.deps.audit.entries(action="settings_changed")
    # A zone of another phase: the call figures are counted in its hours at once.
    from firmware.store.call_figures import CallFigures  # noqa: PLC0415

    assert CallFigures(box.deps.store).phase() == 0
    india = box.client.post("/setup/box", {"country": "GB", "time_zone": "Asia/Kolkata",
                                           "hardware": ""})
    assert india.status == 303
    assert CallFigures(box.deps.store).phase() == 1800


def test_the_time_zone_moves_the_pages_clock_with_summer_time(box):
    from firmware.country.profiles import local_offset_s  # noqa: PLC0415

    winter, summer = 1_767_225_600.0, 1_782_864_000.0  # 2026-01-01, 2026-07-01 (UTC)
    assert local_offset_s("CN", "", winter) == local_offset_s("CN", "", summer) == 8 * 3600
    assert local_offset_s("GB", "", winter) == 0 and local_offset_s("GB", "", summer) == 3600
    assert local_offset_s("CN", "America/New_York", summer) == -4 * 3600
    assert local_offset_s("CN", "Not/AZone", summer) == 8 * 3600  # the country's, not a crash


def test_a_lines_announcement_is_set_checked_and_audited_in_both_languages(box):
    page = box.client.get("/admin/lines/1").text
    assert "Announcement before recording" in page
    assert '<option value="off" selected>Off</option>' in page
    # Without the prompt library, only the box's own prompt is offered.
    assert re.findall(r'name="announcement_prompt">\s*<option value="([^"]+)"', page) == [
        "announcement"]
    answer = box.client.post("/admin/lines/1", line_form(announcement="both",
                                                         announcement_prompt="announcement"))
    assert answer.status == 303
    line = box.deps.config().lines[0]
    assert (line.announcement, line.announcement_prompt) == ("both", "announcement")
    entry = box.deps.audit.entries(action="settings_changed")[0]
    assert ["announcement", "off", "both", 1] in parse_detail(entry.detail)["changes"]
    assert "Line 1 · Announcement before recording: off → both" in describe(
        Translator("en"), entry.detail)
    assert "线路 1 · 录音前提示：off → both" in describe(Translator("zh-CN"), entry.detail)
    # A direction the box does not know, a prompt not offered: beside their fields.
    before = box.deps.config_store.path.read_bytes()
    answer = box.client.post("/admin/lines/1", line_form(announcement="always"))
    assert answer.status == 400
    assert any("&#039;always&#039; is not one of" in p for p in field_problems(answer))
    answer = box.client.post("/admin/lines/1", line_form(announcement="both",
                                                         announcement_prompt="7"))
    assert answer.status == 400
    assert "Choose a prompt from the list." in field_problems(answer)
    assert box.deps.config_store.path.read_bytes() == before
    # In Chinese.
    box.deps.accounts.update_user(box.ids["boss"], language="zh-CN")
    page = box.client.get("/admin/lines/1").text
    assert "录音前提示" in page and "设备自带：本次通话可能会被录音。" in page
    answer = box.client.post("/admin/lines/1", line_form(announcement="both",
                                                         announcement_prompt="7"))
    assert "请从列表中选择提示音。" in field_problems(answer)


def test_a_prompt_of_the_library_is_offered_and_kept_by_its_id(box, monkeypatch):
    from webui.pages import device_settings  # noqa: PLC0415

    monkeypatch.setattr(device_settings, "prompt_choices", lambda ctx: [
        ("announcement", "Recording announcement (2.1 s)"), ("12", "Our own words (3.0 s)")])
    page = box.client.get("/admin/lines/2").text
    assert '<option value="12">Our own words (3.0 s)</option>' in page
    answer = box.client.post("/admin/lines/2", line_form(announcement="inbound",
                                                         announcement_prompt="12"))
    assert answer.status == 303
    line = box.deps.config().lines[1]
    assert (line.announcement, line.announcement_prompt) == ("inbound", 12)
    assert '<option value="12" selected>' in box.client.get("/admin/lines/2").text
    # The library will not delete a prompt a line announces with.
    assert box.deps.prompts.use_of(12) == "line 2's announcement"
    assert box.deps.prompts.use_of(13) is None
    # A prompt the library no longer lists stays chosen (shown by its id) when the rest
    # of the line is saved.
    monkeypatch.setattr(device_settings, "prompt_choices", lambda ctx: [
        ("announcement", "Recording announcement")])
    page = box.client.get("/admin/lines/2").text
    assert '<option value="12" selected>Prompt 12 (not in the library)</option>' in page
    answer = box.client.post("/admin/lines/2", line_form(name="Sales", announcement="inbound",
                                                         announcement_prompt="12"))
    assert answer.status == 303 and box.deps.config().lines[1].announcement_prompt == 12


def test_the_prompt_choices_come_from_the_library_where_the_box_has_it(box, monkeypatch):
    import sys  # noqa: PLC0415
    import types  # noqa: PLC0415
    from dataclasses import dataclass as _dataclass  # noqa: PLC0415

    from webui.pages import device_settings  # noqa: PLC0415

    @_dataclass
    class Prompt:
        id: int
        key: str | None
        name: str
        duration_s: float

    class Library:
        def prompts(self):
            return [Prompt(1, "announcement", "Recording announcement", 2.14),
                    Prompt(2, "survey_opening", "Survey: question", 6.0),
                    Prompt(9, None, "Our own words", 3.0)]

    monkeypatch.setitem(sys.modules, "firmware.prompts", types.ModuleType("firmware.prompts"))
    monkeypatch.setattr(box.deps, "prompts", Library(), raising=False)
    ctx = types.SimpleNamespace(deps=box.deps, t=Translator("en"))
    assert device_settings.prompt_choices(ctx) == [
        ("announcement", "Recording announcement (2.1 s)"), ("9", "Our own words (3.0 s)")]
    page = box.client.get("/admin/lines/1").text
    assert '<option value="9">Our own words (3.0 s)</option>' in page
    # Without the library module, the box's own announcement alone.
    monkeypatch.setitem(sys.modules, "firmware.prompts", None)
    assert device_settings.prompt_choices(ctx) == [
        ("announcement", "The box's own: This call may be recorded.")]


def test_a_line_dials_by_tones_or_by_pulses_as_the_admin_sets_it(box):
    page = box.client.get("/admin/lines/1").text
    assert '<option value="tone" selected>Tones (DTMF)</option>' in page
    answer = box.client.post("/admin/lines/1", line_form(dialling="pulse"))
    assert answer.status == 303
    assert box.deps.config().lines[0].dialling == "pulse"
    entry = box.deps.audit.entries(action="settings_changed")[0]
    assert "Line 1 · Dial by: tone → pulse" in describe(Translator("en"), entry.detail)
    assert box.client.post("/admin/lines/1", line_form(dialling="whistle")).status == 400
