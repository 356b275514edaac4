"""Voice menus on the web: the admin's pages (checked on the server, CSRF), the editor
refusing a menu with every problem next to its node, a saved menu read back, the dry
run's walk in words, which line answers with which menu; audited, told to the engine,
both languages complete."""

from __future__ import annotations

import html
import re

import pytest

from firmware.acts import ivr
from firmware.link import contract
from firmware.store.ivr_menus import IvrMenus
from tests.web_client import web_box
from webui.audit_text import describe
from webui.i18n import Translator
from webui.messages_zh import ZH
from webui.pages import ivr as page

EN = Translator("en")


@pytest.fixture
def box(tmp_path, monkeypatch):
    made = web_box(tmp_path)
    made.deps.config()  # a new box: four lines
    made.add_user("adm", permissions={"admin", "all_lines"}, language="en")
    made.add_user("op", permissions={"survey", "pop"}, language="en")
    made.add_user("zhu", permissions={"admin"}, language="zh-CN")
    made.sent = []

    def command(sent, timeout=5.0):
        made.sent.append(sent)
        return contract.MenusReply((1,))

    monkeypatch.setattr(made.deps.engine, "command", command)
    yield made
    made.close()


def fields(menu: dict, name: str = "Main menu") -> dict:
    """The editor's form for a menu document."""
    form = {"name": name, "root": menu.get("root", "")}
    for index, node in enumerate(menu["nodes"]):
        prefix = f"node-{index}-"
        form[prefix + "seen"] = "1"
        form[prefix + "name"] = node["name"]
        form[prefix + "kind"] = node["kind"]
        for field, key in (("prompt", "prompt"), ("timeout", "timeout_s"),
                           ("repeats", "repeats"), ("invalid", "invalid_prompt"),
                           ("fallback", "fallback"), ("max", "max_s"), ("next", "next")):
            if key in node:
                form[prefix + field] = str(node[key])
        for key, target in node.get("keys", []):
            form[prefix + "key-" + {"*": "star", "#": "hash"}.get(key, key)] = target
    for index, variant in enumerate(menu.get("variants", [])):
        prefix = f"variant-{index}-"
        form[prefix + "seen"] = "1"
        form[prefix + "name"] = variant["name"]
        form[prefix + "root"] = variant["root"]
        for window in variant.get("windows", [])[:1]:
            form[prefix + "start"], form[prefix + "end"] = window["start"], window["end"]
            for day in window["days"]:
                form[prefix + day] = "1"
        form[prefix + "dates"] = " ".join(variant.get("dates", []))
    return form


GOOD = {"root": "main", "nodes": [
    {"name": "main", "kind": "menu", "prompt": "ivr_welcome", "timeout_s": 5, "repeats": 1,
     "invalid_prompt": "ivr_invalid", "keys": [["1", "sales"], ["2", "info"], ["#", "vm"]],
     "fallback": "vm"},
    {"name": "sales", "kind": "menu", "prompt": "ivr_welcome", "timeout_s": 4, "repeats": 0,
     "invalid_prompt": "", "keys": [["0", "main"], ["1", "office"]], "fallback": "main"},
    {"name": "info", "kind": "announcement", "prompt": "announcement", "next": ""},
    {"name": "office", "kind": "ring_through", "timeout_s": 25, "next": "vm"},
    {"name": "vm", "kind": "voicemail", "prompt": "voicemail_greeting", "max_s": 90},
], "variants": [
    {"name": "night", "root": "vm",
     "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "08:30"}],
     "dates": []},
    {"name": "holidays", "root": "info", "windows": [], "dates": ["2026-10-01", "2027-01-01"]},
]}


def node_problems(answer) -> dict[str, list[str]]:
    """Each node's problems as the editor shows them next to it."""
    found = {}
    for legend, body in re.findall(r"<legend>(.*?)</legend>(.*?)</fieldset>", answer.text, re.S):
        found[html.unescape(legend)] = [html.unescape(item) for item in re.findall(
            r"<li>(.*?)</li>", body.split('<div class="form-grid">')[0], re.S)]
    return {node: texts for node, texts in found.items() if texts}


def test_only_admins_reach_the_pages_and_changes_need_the_token(box):
    op = box.signed_in("op")
    for path in ("/admin/ivr", "/admin/ivr/new"):
        assert op.get(path).status == 403
    assert op.post("/admin/ivr/new", fields(GOOD)).status == 403
    assert op.post("/admin/ivr/new/dry-run", {**fields(GOOD), "keys": "1"}).status == 403
    assert op.post("/admin/ivr/lines", {"line-1-menu": "", "line-1-rings": "2"}).status == 403
    adm = box.signed_in("adm")
    assert 'href="/admin/ivr"' in adm.get("/admin").text
    assert adm.post("/admin/ivr/new", fields(GOOD), csrf="forged").status == 403
    assert IvrMenus(box.deps.store).menus() == []
    assert adm.get("/admin/ivr/99").status == 404


def test_a_menu_with_problems_is_refused_with_each_next_to_its_node(box):
    adm = box.signed_in("adm")
    broken = {"root": "main", "nodes": [
        {"name": "main", "kind": "menu", "prompt": "ivr_welcome", "timeout_s": 5, "repeats": 1,
         "keys": [["1", "info"], ["2", "gone"]]},
        {"name": "info", "kind": "announcement", "prompt": "99", "next": "loop"},
        {"name": "loop", "kind": "ring_through", "timeout_s": 20, "next": "info"},
        {"name": "lost", "kind": "hang_up"},
    ]}
    answer = adm.post("/admin/ivr/new", fields(broken))
    assert answer.status == 400 and "Traceback" not in answer.text
    assert "The menu was not saved: put right what is listed." in answer.text
    shown = node_problems(answer)
    assert shown["main"] == ["main: key 2 leads to gone, which is not a node."]
    assert shown["info"] == [
        "info: the prompt 99 is not in the prompt library.",
        "info, loop: these nodes lead to each other in a loop that never asks the caller "
        "for a key."]
    assert shown["lost"] == ["lost: no call ever reaches it (nothing leads to it)."]
    assert IvrMenus(box.deps.store).menus() == [] and box.sent == []
    # What was typed is kept in the form.
    assert 'value="lost"' in answer.text
    no_name = adm.post("/admin/ivr/new", {**fields(GOOD), "name": ""})
    assert no_name.status == 400 and "Give the menu a name." in no_name.text


def test_a_saved_menu_reads_back_is_audited_and_told_to_the_engine(box):
    adm = box.signed_in("adm")
    answer = adm.post("/admin/ivr/new", fields(GOOD))
    assert answer.status == 303, answer.text[:3000]
    assert box.sent == [contract.ReloadMenusCommand()]
    (stored,) = IvrMenus(box.deps.store).menus()
    assert stored.document == ivr.menu_document(ivr.menu_from(GOOD))
    assert answer.location.endswith(f"/admin/ivr/{stored.id}?done=saved")
    shown = adm.get(answer.location)
    assert "The menu was saved." in shown.text
    again = adm.post(f"/admin/ivr/{stored.id}", fields(GOOD))  # the page's own form, unchanged
    assert again.location.endswith("done=unchanged") and len(box.sent) == 1
    renamed = adm.post(f"/admin/ivr/{stored.id}", fields(GOOD, name="Daytime"))
    assert renamed.status == 303 and len(box.sent) == 2
    # A node whose name is emptied is removed (the keys leading to it too).
    without_info = fields(GOOD, name="Daytime") | {"node-2-name": "", "node-0-key-2": "",
                                                   "variant-1-root": "vm"}
    assert adm.post(f"/admin/ivr/{stored.id}", without_info).status == 303
    names = [n["name"] for n in IvrMenus(box.deps.store).menu(stored.id).document["nodes"]]
    assert names == ["main", "sales", "office", "vm"]
    adm.post(f"/admin/ivr/{stored.id}", fields(GOOD, name="Daytime"))
    (added,) = box.deps.audit.entries(action="ivr_menu_added")
    assert describe(EN, added.detail) == "created; Voice menu: Main menu; Nodes: 5"
    changed = box.deps.audit.entries(action="ivr_menu_changed")
    assert len(changed) == 3
    assert any("Name: Main menu → Daytime" in describe(EN, entry.detail) for entry in changed)
    # The page's form round-trips: posting what the editor shows saves the same menu.
    form = dict(re.findall(r'name="(node-\d+-(?:name|timeout|repeats|max))"[^>]*?value="([^"]*)"',
                           shown.text))
    assert form["node-0-name"] == "main" and form["node-3-timeout"] == "25"


def test_the_dry_run_walks_the_form_with_typed_keys(box):
    adm = box.signed_in("adm")
    answer = adm.post("/admin/ivr/new/dry-run",
                      {**fields(GOOD), "keys": "9 t 1 1", "at": "2026-12-07T10:00"})
    assert answer.status == 200
    walk = [html.unescape(item) for item in re.findall(
        r"<li>(.*?)</li>", answer.text.split('<ol class="dry-run">')[1].split("</ol>")[0])]
    assert walk[0] == "main answers the call."
    assert "Key 9 is not one of main's keys." in walk
    assert "No key before the timeout." in walk
    assert walk[-1] == "The call ends at vm: voicemail." and "On to vm." in walk
    assert "No variant applies: the menu answers with its node." in answer.text
    # Keys of the way down: 1 -> sales, 1 -> office; nobody picks up -> voicemail.
    deep = adm.post("/admin/ivr/new/dry-run", {**fields(GOOD), "keys": "11",
                                               "at": "2026-12-07T10:00"}).text
    assert "Key 1: it leads to sales." in html.unescape(deep)
    assert "The office&#039;s phones ring, at most 25 seconds." in deep
    assert "No phone picks up." in deep
    # At night, then on a holiday, another node answers; nothing was saved.
    night = adm.post("/admin/ivr/new/dry-run", {**fields(GOOD), "keys": "",
                                                "at": "2026-12-07T19:00"}).text
    assert "Variant answering: night" in night and "vm answers the call." in night
    holiday = adm.post("/admin/ivr/new/dry-run", {**fields(GOOD), "keys": "",
                                                  "at": "2027-01-01T10:00"}).text
    assert "Variant answering: holidays" in holiday
    assert "The call ends at info: an announcement." in holiday
    bad_time = adm.post("/admin/ivr/new/dry-run", {**fields(GOOD), "keys": "", "at": "soon"})
    assert bad_time.status == 200 and "soon is not a date and time" in bad_time.text
    assert IvrMenus(box.deps.store).menus() == [] and box.sent == []


def test_lines_answer_with_a_menu_after_their_rings_and_a_used_menu_stays(box):
    adm = box.signed_in("adm")
    adm.post("/admin/ivr/new", fields(GOOD))
    (stored,) = IvrMenus(box.deps.store).menus()
    lines = {f"line-{n}-menu": "" for n in range(1, 5)} | {
        f"line-{n}-rings": "2" for n in range(1, 5)}
    answer = adm.post("/admin/ivr/lines", {**lines, "line-2-menu": str(stored.id),
                                           "line-2-rings": "3"})
    assert answer.status == 303 and "done=lines" in answer.location
    assigned = IvrMenus(box.deps.store).line_menus()
    assert list(assigned) == [2] and assigned[2].rings == 3
    assert box.sent[-1] == contract.ReloadMenusCommand()
    (entry,) = box.deps.audit.entries(action="ivr_line_assigned")
    assert describe(EN, entry.detail) == (
        "Line 2 · Voice menu: (empty) → Main menu; Line 2 · Rings before the menu answers: "
        "(empty) → 3")
    for form, problem in (({"line-2-rings": "40"}, "Line 2: rings before the menu answers "
                                                    "are 1 to 15."),
                          ({"line-1-menu": "77"}, "Choose a menu of the list."),
                          ({"line-1-menu": "²"}, "Choose a menu of the list.")):
        refused = adm.post("/admin/ivr/lines", {**lines, **form})
        assert refused.status == 400 and problem in html.unescape(refused.text)
    used = adm.post(f"/admin/ivr/{stored.id}/delete", {})
    assert used.status == 409
    assert "Lines 2 answer with this menu: choose another for them first." in used.text
    adm.post("/admin/ivr/lines", lines)
    assert adm.post(f"/admin/ivr/{stored.id}/delete", {}).status == 303
    assert IvrMenus(box.deps.store).menus() == []
    assert len(box.deps.audit.entries(action="ivr_menu_deleted")) == 1


def test_every_word_of_the_voice_menus_has_its_chinese(box):
    words = [*ivr.PROBLEMS.values(), *page.STEP_WORDS.values(), *page.KIND_NAMES.values(),
             *page.END_NAMES.values(), *page.DAY_NAMES.values()]
    assert [word for word in words if word not in ZH] == []
    zhu = box.signed_in("zhu")
    answer = zhu.post("/admin/ivr/new/dry-run", {**fields(GOOD), "keys": "2",
                                                 "at": "2026-12-07T10:00"})
    assert "语音菜单" in answer.text
    assert ZH["The call ends at {node}: {end}."].format(
        node="info", end=ZH["an announcement"]) in html.unescape(answer.text)


def test_a_prompt_a_menu_plays_is_in_use(box):
    adm = box.signed_in("adm")
    menu = {"root": "main", "nodes": [
        {"name": "main", "kind": "announcement", "prompt": "12", "next": ""}]}
    monkey_ids = box.deps.prompts.prompts  # the library has no prompt 12: pretend it does
    box.deps.prompts.prompts = lambda: [*monkey_ids(), _FakePrompt(12)]
    assert adm.post("/admin/ivr/new", fields(menu, name="Closed")).status == 303
    assert box.deps.prompts.use_of(12) == "the voice menu Closed (main)"
    assert box.deps.prompts.use_of(13) is None


class _FakePrompt:
    def __init__(self, prompt_id: int) -> None:
        self.id, self.key, self.name = prompt_id, None, f"Prompt {prompt_id}"


def test_a_call_s_page_shows_its_walk_through_the_menu(box):
    store = box.deps.store
    call_id = store.start_call(1, "in", started_at=1_796_600_000.0, number="13800138000")
    store.update_call(call_id, ivr_path='{"variant": "", "path": [["main", "9t"], ["vm", ""]], '
                                        '"end": "voicemail"}')
    store.end_call(call_id, "answered", ended_at=1_796_600_060.0)
    page_text = box.signed_in("adm").get(f"/calls/{call_id}").text
    assert "main [9t] → vm; it ended at voicemail." in page_text
    assert page.walk_text(Translator("zh-CN"), "not json") == ""
