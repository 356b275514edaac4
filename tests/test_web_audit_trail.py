"""The audit log is complete and readable: every change made through the pages writes an
entry (a walk over every POST route, and the customer, contact, note and tag changes made
for real), its details are facts rendered in the reader's language when shown (sizes in
KB/MB, yes/no, schedule windows; old plain-text entries still shown), and the page
exports what its filter shows, within the reader's scope, as CSV or Excel, itself
logged."""

from __future__ import annotations

import csv
import inspect
import io
import re
import typing
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from firmware.store.audit import ACTIONS, parse_detail, structured_detail
from firmware.store.scopes import EVERYTHING
from tests.calls_box import T0, make_office
from webui import audit_text
from webui.app import ROUTES
from webui.audit_text import describe
from webui.deps import WebDeps
from webui.i18n import Translator
from webui.messages_zh import ZH
from webui.pages import audit

EN, ZH_T = Translator("en"), Translator("zh-CN")
_WRITES_AUDIT = re.compile(r"ctx\.audit\(|\.audit\.record(?:_once)?\(|AuditLog\(")
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\(")
# A method of one of the web's dependencies (``ctx.deps.prompts.delete(``), found by the
# attribute's type, and the methods it calls on itself.
_DEPS_CALL = re.compile(r"\bdeps\.(\w+)\.(\w+)\(")
_SELF_CALL = re.compile(r"\bself\.(\w+)\(")
DEPS_TYPES = typing.get_type_hints(WebDeps)
# Requests that change nothing the log is about: the sign-in page's own double-submit is
# not a change; everything else that is posted is.
# The reminders every page asks for each minute: the user's last activity (their
# presence) and which reminders were handed out, not a change the user makes.
# POST routes that change nothing a person did: a page's once-a-minute question for the
# reminders come due (it notes which one the page was given, so each is shown once).
NOT_CHANGES: set[str] = {"/api/reminders"}


def _method_writes_audit(cls, name: str, seen: set) -> bool:
    method = getattr(cls, name, None)
    if not inspect.isfunction(method) or (cls, name) in seen:
        return False
    seen.add((cls, name))
    source = inspect.getsource(method)
    return bool(_WRITES_AUDIT.search(source)) or any(
        _method_writes_audit(cls, called, seen) for called in _SELF_CALL.findall(source))


def _writes_audit(function, seen: set) -> bool:
    """Whether ``function``, or what it calls in the product (its module's functions, the
    store's classes, the methods of the web's dependencies), writes an audit entry."""
    source = inspect.getsource(function)
    if _WRITES_AUDIT.search(source):
        return True
    for attribute, method in _DEPS_CALL.findall(source):
        cls = DEPS_TYPES.get(attribute)
        if inspect.isclass(cls) and cls.__module__.startswith("firmware") and \
                _method_writes_audit(cls, method, seen):
            return True
    module = inspect.getmodule(function)
    for name in _CALLED.findall(source):
        target = getattr(module, name, None)
        if target is None or target in seen:
            continue
        seen.add(target)
        if inspect.isfunction(target) and target.__module__.startswith(("webui", "firmware")):
            if _writes_audit(target, seen):
                return True
        elif (inspect.isclass(target) and target.__module__.startswith("firmware.store")
              and _WRITES_AUDIT.search(inspect.getsource(target))):
            return True
    return False


POSTS = [route for route in ROUTES if route.method == "POST" and route.path not in NOT_CHANGES]


def test_the_routes_left_out_are_posts_of_the_app():
    posted = {route.path for route in ROUTES if route.method == "POST"}
    assert NOT_CHANGES.issubset(posted)


@pytest.mark.parametrize("route", POSTS, ids=lambda r: r.path)
def test_every_post_route_writes_an_audit_entry(route):
    assert _writes_audit(route.handler, set()), (
        f"POST {route.path} ({route.handler.__module__}.{route.handler.__name__}) changes "
        "something but writes nothing to the audit log")


def test_every_action_and_detail_word_has_a_label_in_both_languages():
    assert set(audit.ACTION_LABELS) == set(ACTIONS)
    words = [*audit.ACTION_LABELS.values(), *audit_text.FIELD_LABELS.values(),
             *audit_text.WHAT_LABELS.values(), *audit_text.DAY_NAMES,
             *audit_text.CONTACT_KINDS.values(), *audit_text.PROMPT_SOURCES.values(),
             *audit_text.SPEECH_LANGUAGES.values(), *audit_text.FIREWALL_WORDS.values(),
             "{n} bytes", "(empty)", "none", "yes", "no",
             "call {id}", *audit.EXPORT_COLUMNS]
    assert [word for word in words if word not in ZH] == []


def test_details_are_rendered_readably_in_both_languages():
    detail = structured_detail(
        changes=[("recording.schedule", [],
                  [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00",
                    "end": "18:00"}], 2),
                 ("retention.keep_until_backed_up", False, True),
                 ("notes", "", "call back")],
        files=3, bytes=12274016,
    )
    assert describe(EN, detail) == (
        "Line 2 · Schedule: none → Mon–Fri 09:00–18:00; retention.keep_until_backed_up: "
        "no → yes; Notes: (empty) → call back; Files: 3; Size: 11.7 MB")
    assert describe(ZH_T, detail) == (
        "线路 2 · 时间表：无 → 周一–周五 09:00–18:00；retention.keep_until_backed_up：否 → 是；"
        "备注：（空） → call back；文件：3；容量：11.7 MB")
    assert audit_text.size(EN, 980) == "980 bytes" and audit_text.size(EN, 2048) == "2.0 KB"
    assert audit_text.schedule(EN, [{"days": ["mon", "wed"], "start": "08:00",
                                     "end": "12:00"}]) == "Mon/Wed 08:00–12:00"
    # Old entries are plain English text: shown as they are, their sizes readable.
    assert describe(EN, "3 recordings, 12274016 bytes; search: -") == (
        "3 recordings, 11.7 MB; search: -")
    assert describe(ZH_T, "level 'operator'->'leader'") == "level 'operator' → 'leader'"
    assert describe(EN, "{not json") == "{not json"


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    accounts = made.deps.accounts
    accounts.update_user(made.ids["ana"], permissions={
        "recordings_listen", "customers_view", "customers_add", "customers_edit",
        "customers_delete", "contacts", "pop"})
    yield made
    made.box.close()


def entries_of(office, action: str):
    return office.deps.audit.entries(action=action)


def test_customer_contact_note_and_tag_changes_are_all_audited(office):
    ana = office.signed_in("ana")
    # A customer added, changed, given contact records, one deleted, then deleted.
    answer = ana.post("/customers/new", [("name", "Wang Wu"), ("company", "Acme"),
                                         ("number", "13900139000"), ("label", "mobile")])
    assert answer.status == 303
    customer = int(re.search(r"/customers/(\d+)", answer.location).group(1))
    (added,) = entries_of(office, "customer_added")
    assert added.target == f"customer {customer}" and added.username == "ana"
    assert describe(EN, added.detail) == (
        "Name: Wang Wu; Company: Acme; Phone numbers: mobile: 13900139000")
    ana.post(f"/customers/{customer}/edit", [("name", "Wang Wu"), ("company", "Acme Ltd"),
                                            ("grade", "A"), ("number", "13900139000"),
                                            ("label", "office")])
    (changed,) = entries_of(office, "customer_changed")
    assert describe(EN, changed.detail) == (
        "Company: Acme → Acme Ltd; Level: (empty) → A; "
        "Phone numbers: mobile: 13900139000 → office: 13900139000")
    assert describe(ZH_T, changed.detail).startswith("公司：Acme → Acme Ltd；等级：（空） → A")
    call = office.calls[1][0]
    ana.post(f"/customers/{customer}/contacts", {"kind": "visit", "text": "met at the fair",
                                                 "call_id": str(call)})
    ana.post(f"/customers/{customer}/contacts", {"kind": "note", "text": "second"})
    contacts = office.deps.customers.contacts(EVERYTHING, customer_id=customer)
    first = next(c for c in contacts if c.text == "met at the fair")
    assert describe(EN, entries_of(office, "contact_added")[-1].detail) == (
        f"Contact record: {first.id}; Kind: Visit; What was said or done: met at the fair; "
        f"Call: call {call}")
    ana.post(f"/customers/{customer}/contacts/{first.id}/delete", {"confirm": "yes"})
    (removed,) = entries_of(office, "contact_deleted")
    assert "met at the fair" in describe(EN, removed.detail)
    assert "拜访" in describe(ZH_T, removed.detail)
    ana.post(f"/customers/{customer}/delete", {})
    (deleted,) = entries_of(office, "customer_deleted")
    assert describe(EN, deleted.detail).endswith("Contact records: 1")
    # The pop's note and its quick add.
    other = office.calls[1][1]
    ana.post(f"/pop/{other}/customer", {"name": "Li Si", "text": "new caller"})
    assert describe(EN, entries_of(office, "customer_added")[0].detail) == (
        f"Name: Li Si; Phone numbers: 13800131001; Call: call {other}")
    assert len(entries_of(office, "contact_added")) == 3
    # A recording's notes and tags, a call's note, one's language.
    recording = office.recordings[call]
    ana.post(f"/recordings/{recording}/notes", {"notes": "angry", "tags": "complaint, vip"})
    (notes,) = entries_of(office, "recording_notes_changed")
    assert notes.target == f"recording {recording}"
    assert describe(EN, notes.detail) == (
        "Notes: (empty) → angry; Tags: (empty) → complaint, vip")
    ana.post(f"/recordings/{recording}/notes", {"notes": "angry", "tags": "vip, complaint"})
    assert len(entries_of(office, "recording_notes_changed")) == 1  # nothing changed
    ana.post(f"/calls/{call}/notes", {"notes": "called back"})
    assert describe(EN, entries_of(office, "call_notes_changed")[0].detail) == (
        "Notes: (empty) → called back")
    ana.post("/account/language", {"language": "zh-CN"})
    (language,) = entries_of(office, "language_changed")
    assert describe(ZH_T, language.detail) == "语言：English → 中文"


def test_the_page_shows_details_in_the_readers_language_and_links_subjects(office):
    log = office.deps.audit
    log.record("export", username="aud", user_id=office.ids["aud"], target="recordings",
               detail="3 recordings, 12274016 bytes; search: -", at=T0)
    log.record("customer_changed", username="ana", user_id=office.ids["ana"],
               target="customer 1", detail=structured_detail(changes=[("grade", "B", "A")]),
               at=T0 + 1)
    log.record("call_notes_changed", username="ana", user_id=office.ids["ana"],
               target=f"call {office.calls[1][0]}",
               detail=structured_detail(changes=[("notes", "", "<b>x</b>")]), at=T0 + 2)
    boss = office.signed_in("boss")
    page = boss.get("/audit").text
    assert "3 recordings, 11.7 MB; search: -" in page
    assert "Level: B → A" in page and "Customer changed" in page
    assert "Notes: (empty) → &lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert 'href="/customers/1"' in page and f'href="/calls/{office.calls[1][0]}"' in page
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    page = office.signed_in("boss").get("/audit").text
    assert "等级：B → A" in page and "客户已修改" in page and "通话备注已修改" in page
    assert '<a href="/customers/1">客户 1</a>' in page
    assert re.search(r'c-subject">\s*录音\s*</td>', page)  # the export's subject


def test_every_kind_of_subject_links_to_its_own_page(office):
    """A ticket, an order, a knowledge entry ... named in the log lead to their pages."""
    pages = {re.sub(r"<\w+:int>", "{}", route.path) for route in ROUTES if route.method == "GET"}
    assert set(audit.SUBJECT_PAGES.values()) <= pages
    for at, kind in enumerate(audit.SUBJECT_PAGES):
        office.deps.audit.record("export", username="boss", user_id=office.ids["boss"],
                                 target=f"{kind} 7", at=T0 + at)
    page = office.signed_in("boss").get("/audit").text
    for page_of in audit.SUBJECT_PAGES.values():
        assert f'href="{page_of.format(7)}"' in page
    assert audit._link("ticket 7x") is None and audit._link("tickets 7") is None


def _csv(answer) -> list[list[str]]:
    assert answer.status == 200 and answer.body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig"))))


def test_the_export_holds_what_the_filter_shows_within_the_readers_scope(office):
    store, log = office.deps.store, office.deps.audit
    on_line = {line: [r.id for r in store.recordings() if r.line == line] for line in (1, 3)}
    log.record("listen", username="boss", user_id=office.ids["boss"],
               target=f"recording {on_line[3][0]}", at=T0 + 100)
    log.record("listen", username="boss", user_id=office.ids["boss"],
               target=f"recording {on_line[1][0]}", at=T0 + 101)
    log.record("settings_changed", username="boss", user_id=office.ids["boss"],
               target="device configuration",
               detail=structured_detail(changes=[("recording.keep_days", 0, 90, 1)]),
               at=T0 + 102)
    log.record("sign_in_failed", username="mallory", detail="=cmd|' /C calc'!A0", at=T0 + 103)
    boss = office.signed_in("boss")
    assert 'href="/audit.csv?action=listen"' in boss.get("/audit?action=listen").text
    rows = _csv(boss.get("/audit.csv?action=listen"))
    assert rows[0] == ["Time", "User name", "Action", "Subject", "Details", "Address"]
    assert [row[3] for row in rows[1:]] == [f"recording {on_line[1][0]}",
                                            f"recording {on_line[3][0]}"]
    assert rows[1][0] == "2026-01-01 08:01:41" and rows[1][2] == "Listened"
    everything = _csv(boss.get("/audit.csv"))
    details = {row[3] or row[1]: row[4] for row in everything[1:]}
    assert details["device configuration"] == "Line 1 · Keep recordings (days): 0 → 90"
    assert details["mallory"] == "'=cmd|' /C calc'!A0"  # a formula is text in a spreadsheet
    # Exporting is itself logged, with the format and the search.
    exported = office.deps.audit.entries(action="audit_exported")
    assert [describe(EN, entry.detail) for entry in exported] == [
        "Format: csv; Rows: 6; Search: -", "Format: csv; Rows: 2; Search: action=listen"]
    # An auditor limited to line 3 exports only what they may read, in their language.
    office.deps.accounts.update_user(office.ids["aud"], permissions={"audit"}, lines={3},
                                     language="zh-CN")
    limited = _csv(office.signed_in("aud").get("/audit.csv"))
    assert limited[0][:3] == ["时间", "用户名", "操作"]
    subjects = {row[3] for row in limited[1:]}
    assert f"录音 {on_line[3][0]}" in subjects  # the subject in the reader's language too
    assert f"录音 {on_line[1][0]}" not in subjects
    assert "设备配置" not in subjects and "mallory" not in str(limited)
    # Excel alike.
    answer = office.signed_in("boss").get("/audit.xlsx?" + urlencode({"action": "listen"}))
    assert answer.status == 200 and answer.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.body)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Time" and len(values) == 3
    # Only auditors and admins; a bad day is refused.
    assert office.signed_in("ana").get("/audit.csv").status == 403
    assert office.signed_in("boss").get("/audit.csv?from=soon").status == 400


def test_a_cut_export_says_so(office, monkeypatch):
    monkeypatch.setattr(audit, "MAX_EXPORT", 2)
    for index in range(3):
        office.deps.audit.record("listen", username="boss", target=f"recording {index}",
                                 at=T0 + index)
    rows = _csv(office.signed_in("boss").get("/audit.csv?action=listen"))
    assert len(rows) == 4 and rows[-1][0].startswith("Cut at 2 entries")


def test_structured_details_keep_parse_detail_honest():
    assert parse_detail("plain text") is None
    assert parse_detail('{"v": 2}') is None
    assert parse_detail(structured_detail(what="created")) == {"v": 1, "what": "created"}


def test_the_walk_tells_a_handler_that_writes_nothing():
    def changes_quietly(ctx):
        ctx.deps.customers.delete(1)

    def reads_prompts(ctx):
        ctx.deps.prompts.prompts()

    def deletes_a_prompt(ctx):
        ctx.deps.prompts.delete(1, user="boss")

    assert not _writes_audit(changes_quietly, set())
    assert not _writes_audit(reads_prompts, set())
    assert _writes_audit(deletes_a_prompt, set())
    assert not _writes_audit(audit.read_filter, set())


def test_what_the_box_does_by_itself_reads_in_both_languages():
    compressed = structured_detail(**{
        "from": "2026/01/01/a.wav", "to": "2026/01/01/a.opus", "tier": "standard", "kbps": 16.0,
        "bytes": 12274016, "sha256": "ab", "original_sha256": "cd"})
    assert describe(EN, compressed) == (
        "From: 2026/01/01/a.wav; To: 2026/01/01/a.opus; Tier: standard tier; "
        "Bit rate (kbit/s): 16; Size: 11.7 MB; SHA-256: ab; SHA-256 of the original: cd")
    assert "压缩层级：标准压缩" in describe(ZH_T, compressed)
    # Retention's entries are text; their reason is known and shown translated.
    deleted = "older than 98 days (line 2); 2027/01/01/L2-x.wav; SHA-256 ab; " \
        "its file was already gone"
    assert describe(EN, deleted, action="retention_deleted") == deleted
    shown = describe(ZH_T, deleted, action="retention_deleted")
    assert shown.startswith(ZH["older than {days} days (line {line})"].format(days=98, line=2))
    assert shown.endswith("其文件已不存在")


def test_an_auditor_limited_to_some_lines_reads_the_note_changes_of_those_lines_only(office):
    office.deps.accounts.update_user(office.ids["aud"], permissions={"audit"}, lines={3})
    ours, theirs = office.calls[3][0], office.calls[1][0]
    office.signed_in("cai").post(f"/calls/{ours}/notes", {"notes": "line three's note"})
    office.signed_in("ana").post(f"/calls/{theirs}/notes", {"notes": "line one's note"})
    auditor = office.signed_in("aud")
    page = auditor.get("/audit?action=call_notes_changed").text
    assert "line three&#039;s note" in page and f'href="/calls/{ours}"' in page
    assert "line one" not in page
    exported = _csv(auditor.get("/audit.csv?action=call_notes_changed"))
    assert [row[3] for row in exported[1:]] == [f"call {ours}"]
    assert exported[1][4] == "Notes: (empty) → line three's note"


@pytest.mark.parametrize("target", [
    *(f"{kind} 12" for kind in audit_text.SUBJECT_KINDS),
    *audit_text.SUBJECT_NAMES,
    *(f"3 {things}" for things in audit_text.SUBJECT_COUNTS),
])
def test_every_subject_the_log_names_reads_in_chinese(target):
    shown = audit_text.subject(ZH_T, target)
    assert shown != target and not re.search(r"[a-z]{3,}", shown), shown
    assert audit_text.subject(EN, target) == target  # the English is what the log keeps


def test_a_subject_of_no_known_kind_is_shown_as_written():
    for target in ("ana", "calls.csv", "customer", "tickets 3", "3 users"):
        assert audit_text.subject(ZH_T, target) == target
