"""The call firewall's rules in Excel: exported on their own sheet with the lists and
imported back in their order; a bad rule row, or a damaged sheet, refuses the whole file
in one line naming the sheet and the row; an operator's import waits for approval and
never adds a rule; a workbook of the lists alone imports as before."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from firmware.link import contract
from firmware.store.firewall import Actor, Firewall, ListEntry, Rule
from tests.calls_box import make_office
from tests.test_web_customer_sheets import multipart
from tests.test_web_firewall import spoken_prompt

BOSS = Actor("boss")
LIST_HEADER = ["List", "Number", "Note", "Action", "Message prompt", "Expires"]
RULE_HEADER = [
    "Kind",
    "Prefix",
    "Withheld caller ID",
    "Province",
    "City",
    "Time windows",
    "Action",
    "Message prompt",
    "Enabled",
    "Note",
]


@pytest.fixture
def office(tmp_path, monkeypatch):
    made = make_office(tmp_path, calls_per_line=1)
    accounts = made.deps.accounts
    accounts.update_user(made.ids["ana"], permissions={"firewall"})
    accounts.update_user(made.ids["lea"], permissions={"firewall"})
    made.sent = []  # the commands the web sent the engine

    def command(sent, timeout=5.0):
        made.sent.append(sent)
        return contract.FirewallReply()

    monkeypatch.setattr(made.deps.engine, "command", command)
    yield made
    made.box.close()


def firewall(office) -> Firewall:
    return Firewall(office.deps.store)


def rules_of(office) -> list[tuple]:
    """The rules as they decide and show: all but their ids and who added them."""
    return [
        (
            r.kind,
            r.prefix,
            tuple(sorted(r.reasons)),
            r.province,
            r.city,
            tuple(w.document()["days"] + [w.start, w.end] for w in r.windows),
            r.action,
            r.message_prompt,
            r.enabled,
            r.note,
        )
        for r in firewall(office).rules()
    ]


def problem_of(answer) -> str:
    found = re.search(r'<p class="problem" role="alert">(.*?)</p>', answer.text, re.S)
    return found.group(1).strip() if found else ""


def upload(client, data: bytes, filename: str = "firewall.xlsx"):
    client.get("/firewall/import")
    body, headers = multipart(filename, data, client.csrf_token)
    return client.request("POST", "/firewall/import", body, headers)


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    made = Workbook()
    made.remove(made.active)
    for title, rows in sheets:
        sheet = made.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


def sheet_rows(data: bytes, index: int) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[index]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def imports(office) -> int:
    return len(office.deps.audit.entries(action="firewall_imported"))


def add_rules(office, closed: str) -> None:
    for rule in (
        Rule(0, "prefix", prefix="+1", note="=North America"),
        Rule(
            0, "withheld", reasons=frozenset({"P", "none"}), action="message", message_prompt=closed
        ),
        Rule(0, "location", province="广东", city="深圳", enabled=False),
        Rule(
            0,
            "time",
            windows=(
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "18:00", "end": "08:00"},
                {"days": ["sat", "sun"], "start": "00:00", "end": "23:59"},
            ),
            note="nights and weekends",
        ),
    ):
        firewall(office).add_rule(rule, BOSS)


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_the_rules_go_to_excel_on_their_own_sheet_and_come_back_in_order(office, language):
    office.deps.accounts.update_user(office.ids["adm"], language=language)
    adm = office.signed_in("adm")
    closed = str(spoken_prompt(office, "Closed").id)
    add_rules(office, closed)
    firewall(office).add(ListEntry(0, "black", "+8613800138000"), BOSS)
    before = rules_of(office)
    exported = adm.get("/firewall.xlsx")
    assert exported.status == 200
    names = load_workbook(io.BytesIO(exported.body)).sheetnames
    rows = sheet_rows(exported.body, 1)
    if language == "en":
        assert names == ["Black and red lists", "Rules"]
        assert rows[0][:10] == RULE_HEADER and rows[0][10:] == ["Added by", "Added"]
        assert rows[1][:2] == ["By prefix", "'+1"] and rows[1][9] == "'=North America"
        assert rows[2][2] == "private, no caller ID" and rows[2][7] == closed
        assert rows[3][3:5] == ["广东", "深圳"] and rows[3][8] == "no"
        assert rows[4][5] == "Mon–Fri 18:00–08:00, Sat/Sun 00:00–23:59"
    else:
        assert names == ["黑名单和红名单", "规则"]
        assert rows[0][:3] == ["类型", "号码前缀", "隐藏来电显示"]
        assert (
            rows[4][:1] == ["按时段"]
            and rows[4][5] == "周一–周五 18:00–08:00, 周六/周日 00:00–23:59"
        )
    (exported_entry,) = office.deps.audit.entries(action="firewall_exported")
    assert '"rules":4' in exported_entry.detail
    # Into a box without them: the same rules, in the same order.
    for rule in firewall(office).rules():
        firewall(office).remove_rule(rule.id, BOSS)
    firewall(office).remove(firewall(office).entries()[0].id, BOSS)
    answer = upload(adm, exported.body)
    assert answer.status == 200, problem_of(answer)
    assert rules_of(office) == before and len(firewall(office).entries()) == 1
    added = "4 rules were added." if language == "en" else "已添加 4 条规则。"
    assert added in answer.text
    assert len(office.deps.audit.entries(action="firewall_rule_added")) == 8  # 4 made, 4 imported
    assert imports(office) == 1 and office.sent  # the engine was told
    # Again: every rule is there already, nothing doubles.
    answer = upload(adm, exported.body)
    there = "4 rules were there already" if language == "en" else "4 条规则本机已有"
    assert there in answer.text and rules_of(office) == before


def test_a_workbook_of_the_lists_alone_imports_as_before(office):
    boss = office.signed_in("boss")
    data = workbook(("Call firewall", [LIST_HEADER, ["Red list", "13900139000", "", "", "", ""]]))
    answer = upload(boss, data)
    assert answer.status == 200 and "1 number was imported." in answer.text
    assert "rule" not in answer.text.split('role="status">', 1)[1].split("</p>", 1)[0]
    assert firewall(office).count()["red"] == 1 and firewall(office).rules() == []


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (["By prefix", "08x"], "08x is not a prefix (1 to 16 digits, optional leading +)."),
        (
            ["robot"],
            "robot is not a kind of rule: write By prefix, Withheld number, By location or "
            "By time of day.",
        ),
        (["", "0898"], "Choose the kind of rule."),
        (
            ["Withheld number", "", "secret"],
            "secret is not a reason a caller ID is withheld: write "
            "private, unavailable or no caller ID.",
        ),
        (
            ["Withheld number"],
            "A withheld rule needs one or more of: private, unavailable, no caller ID.",
        ),
        (["By location"], "A location rule needs a province or a city."),
        (["By time of day", "", "", "", "", "Mon 25:00–08:00"], "25:00 is not a time HH:MM"),
        (
            ["By time of day", "", "", "", "", "Mon–Fri evenings"],
            "Mon–Fri evenings is not a time window",
        ),
        (
            ["By time of day", "", "", "", "", "Funday 18:00–20:00"],
            "Funday is not a day of the week.",
        ),
        (
            ["By time of day", "", "", "", "", "18:00–20:00"],
            "A time window needs days of the week.",
        ),
        (
            [
                "By time of day",
                "",
                "",
                "",
                "",
                "Mon 1:00-2:00; Tue 1:00-2:00; Wed 1:00-2:00; Thu 1:00-2:00; Fri 1:00-2:00",
            ],
            "At most 4 time windows in a rule.",
        ),
        (
            ["By prefix", "0898", "", "", "", "", "Answer with a message"],
            "Answering with a message needs the message&#039;s prompt.",
        ),
        (
            ["By prefix", "0898", "", "", "", "", "Answer with a message", "nowhere"],
            "nowhere is not a prompt of the box (Settings → Prompts).",
        ),
        (["By prefix", "0898", "", "", "", "", "", "", "maybe"], "maybe is neither yes nor no."),
    ],
)
def test_a_bad_rule_row_refuses_the_file_naming_its_sheet_and_row(office, row, problem):
    adm = office.signed_in("adm")
    firewall(office).add_rule(Rule(0, "prefix", prefix="0577"), BOSS)
    before = rules_of(office)
    data = workbook(
        ("Lists", [LIST_HEADER, ["Black list", "13800138000", "", "", "", ""]]),
        (
            "My rules",
            [RULE_HEADER, ["By prefix", "0898"], [], row, ["By location", "", "", "广东"]],
        ),
    )
    answer = upload(adm, data)
    assert answer.status == 400
    line = problem_of(answer)
    assert line.startswith("My rules sheet, row 4: ") and problem in line, line
    assert "Traceback" not in answer.text and "\n" not in line
    # Nothing imported: neither the good rule before it, nor the numbers.
    assert rules_of(office) == before and firewall(office).entries() == []
    assert imports(office) == 0 and office.sent == []


def test_a_bad_rule_row_is_said_in_chinese_too(office):
    office.deps.accounts.update_user(office.ids["adm"], language="zh-CN")
    adm = office.signed_in("adm")
    data = workbook(("规则", [["类型", "号码前缀"], ["按号码前缀", "08x"]]))
    answer = upload(adm, data)
    assert problem_of(answer) == (
        "“规则”工作表第 2 行：08x 不是号码前缀（1 到 16 位数字，可以 + 开头）。"
    )


def test_an_operators_import_waits_for_approval_and_adds_no_rule(office):
    from tests.test_web_firewall import _with_approval  # noqa: PLC0415

    office.deps.config_store.save(_with_approval(office))
    add_rules(office, str(spoken_prompt(office, "Closed").id))
    before = rules_of(office)
    exported = office.signed_in("ana").get("/firewall.xlsx").body
    # The rules as exported, with two numbers added to the lists.
    lists = [*sheet_rows(exported, 0)[:1], ["Black list", "13500135000"], ["", "13400134000"]]
    rules = sheet_rows(exported, 1)
    ana = office.signed_in("ana")
    answer = upload(ana, workbook(("Lists", lists), ("Rules", rules)))
    assert answer.status == 200, problem_of(answer)
    assert "2 numbers wait for a leader&#039;s approval." in answer.text
    assert "4 rules were there already" in answer.text
    assert len(firewall(office).pending()) == 2 and firewall(office).entries() == []
    assert rules_of(office) == before and office.sent == []
    # A rule the box does not have: refused, naming it, and nothing filed.
    answer = upload(
        ana,
        workbook(
            ("Lists", [*lists[:1], ["", "13300133000"]]), ("Rules", [*rules, ["By prefix", "0898"]])
        ),
    )
    assert answer.status == 400 and problem_of(answer) == (
        "Rules sheet, row 6: Only an admin adds or changes rules, and this rule is not on the box."
    )
    assert len(firewall(office).pending()) == 2 and rules_of(office) == before
    # The leader approves the numbers: they are listed then.
    lea = office.signed_in("lea")
    for change in firewall(office).pending():
        assert lea.post(f"/firewall/pending/{change.id}", {"decision": "approve"}).status == 303
    assert sorted(e.number for e in firewall(office).entries()) == [
        "+8613400134000",
        "+8613500135000",
    ]
    filed = office.deps.audit.entries(action="firewall_change_filed")
    assert len(filed) == 2 and {entry.username for entry in filed} == {"ana"}


def damaged(data: bytes, part: str) -> bytes:
    """``data`` (a workbook) with ``part`` cut in half."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, content[: len(content) // 2] if name == part else content)
    return out.getvalue()


def test_a_damaged_or_foreign_file_is_one_line_and_imports_nothing(office):
    adm = office.signed_in("adm")
    good = workbook(
        ("Lists", [LIST_HEADER, ["Black list", "13800138000"]]),
        ("Rules", [RULE_HEADER, ["By prefix", "0898"]]),
    )
    for data, filename, problem in (
        (
            damaged(good, "xl/worksheets/sheet2.xml"),
            "firewall.xlsx",
            "The sheet Rules is damaged and cannot be read.",
        ),
        (
            damaged(good, "xl/workbook.xml"),
            "firewall.xlsx",
            "The workbook is damaged and cannot be read.",
        ),
        (good[: len(good) // 2], "firewall.xlsx", "The file is not an Excel workbook (.xlsx)."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
            "firewall.xls",
            "The file is not an Excel workbook (.xlsx).",
        ),
        (
            b"%PDF-1.4\n\x00\x01binary",
            "firewall.pdf",
            "The file is neither an Excel workbook nor a CSV text file.",
        ),
    ):
        answer = upload(adm, data, filename)
        assert answer.status == 400 and problem_of(answer) == problem, (filename, problem)
        assert "Traceback" not in answer.text
    assert firewall(office).entries() == [] and firewall(office).rules() == []
    assert imports(office) == 0


def test_the_template_has_a_rules_sheet_to_fill_in(office):
    adm = office.signed_in("adm")
    template = adm.get("/firewall/import/template.xlsx")
    assert load_workbook(io.BytesIO(template.body)).sheetnames == [
        "Black and red lists",
        "Rules",
        "How to fill in",
    ]
    assert sheet_rows(template.body, 1) == [RULE_HEADER]
    answer = upload(adm, template.body)
    assert "1 number was imported." in answer.text and "0 rules were added." in answer.text
    assert firewall(office).rules() == []
