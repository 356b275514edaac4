"""Reports: who may see them, the figures against calls counted by hand, the date range's
errors, and the Excel export with formula-like text made harmless."""

from __future__ import annotations

import io
import json
import re
import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.calls_box import T0, make_office

NOW = T0 + 12 * 3600  # 20:00 in Beijing, 1 Jan 2026
DAY = "from=2026-01-01&to=2026-01-01"
ROLES = ("boss", "ana", "ben", "lea", "cai", "aud", "adm", "nol")


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, clock=lambda: NOW)
    yield made
    made.box.close()


def charts_of(page_text: str) -> dict:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                      page_text, re.S)
    assert found, "no charts on the page"
    return json.loads(found.group(1))


def series(charts: dict, chart: str) -> dict[str, list]:
    (found,) = [c for c in charts["charts"] if c["id"] == chart]
    return {s["label"]: s["values"] for s in found["series"]}


def table_rows(page_text: str, heading: str) -> dict[str, list[str]]:
    section = page_text.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>\s*<td class=\"f-name\">(.*?)</tr>", section, re.S):
        name = row.split("</td>", 1)[0]
        rows[name] = re.findall(r"</span>([^<]*)</td>", row)
    return rows


def test_reports_by_direct_url_for_each_role(office):
    allowed = {"boss", "adm"}  # super, and the admin flag
    for name in ROLES:
        client = office.signed_in(name)
        for path in ("/reports", f"/reports.xlsx?{DAY}"):
            status = client.get(path).status
            assert status == (200 if name in allowed else 403), (name, path)
        shown = 'href="/reports"' in client.get("/").text
        assert shown is (name in allowed), name
    # The flag gives it to a leader, over her group's lines only.
    office.deps.accounts.update_user(office.ids["lea"], permissions=frozenset({"reports"}))
    lea = office.signed_in("lea")
    page = lea.get(f"/reports?{DAY}&by=line")
    assert page.status == 200
    assert set(table_rows(page.text, "By line")) == {"Line 1", "Line 2"}
    assert list(series(charts_of(page.text), "calls")) == ["Line 1", "Line 2"]
    assert office.box.client().get("/reports").location.startswith("/login")


def test_the_figures_of_a_day_counted_by_hand(office):
    boss = office.signed_in("boss")
    page = boss.get(f"/reports?{DAY}&per=hour")
    assert page.status == 200
    charts = charts_of(page.text)
    # The day per hour: 24 periods from local midnight, written as local time read as UTC.
    assert len(charts["x"]) == 24 and charts["x"][0] == T0
    calls = series(charts, "calls")
    # Hour 08: each line's first call (in); 09: out; 10: in, missed; 11: out; 12: in; 13: out.
    assert calls["Incoming"][8:14] == [4, 0, 4, 0, 4, 0]
    assert calls["Outgoing"][8:14] == [0, 4, 0, 4, 0, 4]
    assert sum(calls["Incoming"]) == sum(calls["Outgoing"]) == 12
    answered = series(charts, "answered")
    assert answered["Answered"][8:14] == [4, 0, 0, 0, 4, 0]
    assert answered["Missed"][8:14] == [0, 0, 4, 0, 0, 0]
    assert answered["Answered share"][8:14] == [100.0, None, 0.0, None, 100.0, None]
    times = series(charts, "times")
    assert times["Average wait"][8] == 5.0 and times["Average wait"][9] is None
    assert times["Average talk"][8:14] == [2.0, 3.0, None, 5.0, 6.0, None]
    # The whole day, line by line, and the tiles.
    rows = table_rows(page.text, "By line")
    assert rows["Line 1"] == ["6", "3", "3", "1", "67%", "0:05", "0:04", "—"]
    assert list(rows) == ["Line 1", "Line 2", "Line 3", "Line 4"]
    operators = table_rows(page.text, "By operator")
    assert list(operators) == ["adm", "ana", "ben", "cai"]
    assert operators["ana"] == rows["Line 1"]
    # The busiest hours: 1 Jan 2026 was a Thursday, busy from 08:00 to 13:00.
    wide = page.text.split('class="heat heat-wide"', 1)[1].split("</table>", 1)[0]
    thursday = wide.split("<th scope=\"row\">Thu</th>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="heat-(\d)"[^>]*>([^<]*)</td>', thursday)
    assert [count for _, count in cells[8:14]] == ["4"] * 6
    assert cells[7] == ("0", "") and cells[8][0] == "6"


def test_the_figures_of_each_period_in_a_table(office):
    page = office.signed_in("boss").get(f"/reports?{DAY}&per=hour").text
    section = page.split('class="period-figures"', 1)[1].split("</details>", 1)[0]
    assert "Figures per period (24)" in section
    rows = {name: re.findall(r"</span>([^<]*)</td>", row) for name, row in re.findall(
        r'<tr>\s*<td class="f-name">(.*?)</td>(.*?)</tr>', section, re.S)}
    assert len(rows) == 24 and next(iter(rows)) == "2026-01-01 00:00"
    # Hour 08: each line's first call, incoming, answered after 5 s, 2 s of talk.
    assert rows["2026-01-01 08:00"] == ["4", "4", "0", "0", "100%", "0:05", "0:02", "—"]
    assert rows["2026-01-01 10:00"][:5] == ["4", "4", "0", "4", "0%"]
    assert sum(int(row[0]) for row in rows.values()) == 24
    zh = office.signed_in("boss")
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    assert "各周期数据 (24)" in zh.get(f"/reports?{DAY}&per=hour").text


def test_split_by_operator_and_per_week(office):
    boss = office.signed_in("boss")
    charts = charts_of(boss.get("/reports?from=2025-12-29&to=2026-01-04&per=week&by=operator")
                       .text)
    assert charts["x"] == [T0 - 3 * 86400]  # Monday 29 Dec, from local midnight
    assert series(charts, "calls") == {"adm": [6], "ana": [6], "ben": [6], "cai": [6]}
    ana = office.signed_in("ana")
    assert ana.get("/reports").status == 403


def test_no_calls_in_the_days_chosen(office):
    page = office.signed_in("boss").get("/reports?from=2025-06-01&to=2025-06-30")
    assert page.status == 200 and "No calls in these days." in page.text
    assert 'id="report-data"' not in page.text


def test_the_default_is_the_last_30_days_per_day(office):
    page = office.signed_in("boss").get("/reports")
    assert 'value="2025-12-03"' in page.text and 'value="2026-01-01"' in page.text
    assert len(charts_of(page.text)["x"]) == 30


@pytest.mark.parametrize(("query", "line"), [
    ("from=1985.5.6", "From: 1985.5.6 is not a date; write it as YYYY-MM-DD."),
    ("from=2026-01-01&to=yesterday", "To: yesterday is not a date; write it as YYYY-MM-DD."),
    ("from=2026-01-05&to=2026-01-01", "To: the last day comes before the first."),
    ("from=2024-01-01&to=2025-12-31", "To: a report covers at most 366 days."),
    ("from=2025-11-01&to=2025-12-31&per=hour",
     "Period: hours are shown for at most 31 days; choose days or weeks."),
    ("per=minute", "Period: choose hour, day or week."),
    ("by=colour", "Split by: choose direction, line or operator."),
])
def test_a_field_that_cannot_be_read_is_named_in_one_line(office, query, line):
    boss = office.signed_in("boss")
    page = boss.get(f"/reports?{query}")
    assert page.status == 400
    problems = re.findall(r'<p class="problem" role="alert">([^<]*)</p>', page.text)
    assert problems == [line]
    assert 'id="report-data"' not in page.text and "By line" not in page.text
    export = boss.get(f"/reports.xlsx?{query}")
    assert export.status == 400 and line in export.text


def test_the_errors_in_chinese(office):
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    boss = office.signed_in("boss")
    page = boss.get("/reports?from=1985.5.6")
    assert "从：1985.5.6 不是日期；请写成 YYYY-MM-DD。" in page.text
    for query in ("to=x", "from=2026-01-05&to=2026-01-01", "from=2024-01-01&to=2025-12-31",
                  "from=2025-11-01&to=2025-12-31&per=hour", "per=x", "by=x"):
        problem = re.search(r'<p class="problem" role="alert">([^<]*)</p>',
                            boss.get(f"/reports?{query}").text).group(1)
        assert not re.search(r"[a-z]{4,}", problem.replace("YYYY-MM-DD", "")), problem
    charts = charts_of(boss.get(f"/reports?{DAY}").text)
    assert list(series(charts, "calls")) == ["呼入", "呼出"] and charts["language"] == "zh-CN"


def test_the_excel_export(office):
    # Names people typed that a spreadsheet would take for formulas.
    hostile = {"ana": "=HYPERLINK(\"http://x\")", "ben": "+1", "cai": "-2", "adm": "@SUM(1)"}
    for name, shown in hostile.items():
        office.deps.accounts.update_user(office.ids[name], display_name=shown)
    boss = office.signed_in("boss")
    answer = boss.get(f"/reports.xlsx?{DAY}&per=hour")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="reports-20260101-2000.xlsx"' in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.body))
    assert book.sheetnames == ["Summary", "Periods", "By line", "By operator",
                               "Calls per line", "Busiest hours"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["From"] == summary["To"] == "2026-01-01"
    assert summary["Calls"] == 24 and summary["Missed"] == 4
    assert summary["Answered share"] == pytest.approx(8 / 12)
    assert summary["Average wait (s)"] == 5.0 and summary["Average talk (s)"] == 4.0
    periods = list(book["Periods"].iter_rows(values_only=True))
    assert len(periods) == 25 and periods[9][:3] == ("2026-01-01 08:00", 4, 4)
    operators = list(book["By operator"].iter_rows(values_only=True))[1:]
    names = sorted(row[0] for row in operators)
    assert names == sorted("'" + shown for shown in hostile.values())
    for row in book["By operator"].iter_rows(min_row=2):
        assert row[0].data_type == "s" and not str(row[0].value).startswith(("=", "+", "-", "@"))
    busiest = list(book["Busiest hours"].iter_rows(values_only=True))
    assert busiest[4][0] == "Thu" and busiest[4][9:15] == (4, 4, 4, 4, 4, 4)
    entry = office.deps.store.connection().execute(
        "SELECT target, username FROM audit_log WHERE action = 'export'").fetchall()
    assert entry == [("reports.xlsx", "boss")]
    # Only what the reader sees: the admin flag on line 4.
    adm_book = load_workbook(io.BytesIO(office.signed_in("adm").get(
        f"/reports.xlsx?{DAY}").body))
    lines = [row[0] for row in adm_book["By line"].iter_rows(min_row=2, values_only=True)]
    assert lines == ["Line 4"]


def test_the_chart_library_is_served_from_the_box_and_installed_with_it(office):
    client = office.signed_in("boss")
    page = client.get(f"/reports?{DAY}").text
    assert '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer>' in page
    assert '<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">' in page
    assert "http://" not in page and "https://" not in page  # nothing from outside the box
    for asset in ("uPlot.iife.min.js", "uPlot.min.css", "LICENSE"):
        assert client.get(f"/static/vendor/uplot/{asset}").status == 200, asset
    # Every file of webui/static is in the package an installed box runs from.
    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["webui"]
    for path in (root / "webui" / "static").rglob("*"):
        if path.is_file():
            relative = path.relative_to(root / "webui")
            assert any(relative.match(pattern) and len(relative.parts) == len(
                Path(pattern).parts) for pattern in patterns), relative
