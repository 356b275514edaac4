"""The call log page and its CSV export: visibility rules, search fields, sorting, paging."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.calls_box import T0, make_office
from webui import call_csv


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path)
    yield made
    made.box.close()


def shown_calls(page) -> list[int]:
    return [int(found) for found in re.findall(r'data-call="(\d+)"', page.text)]


def csv_rows(answer) -> list[list[str]]:
    assert answer.body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig"))))


def test_everyone_sees_the_calls_of_their_own_lines_only(office):
    lines_of = {line: set(ids) for line, ids in office.calls.items()}
    every = set().union(*lines_of.values())
    expected = {
        "boss": every,
        "aud": every,  # all_lines
        "ana": lines_of[1],
        "ben": lines_of[2],
        "lea": lines_of[1] | lines_of[2],  # her group's lines
        "cai": lines_of[3],
        "adm": lines_of[4],  # the admin flag alone does not widen what one sees
        "nol": set(),
    }
    for name, calls in expected.items():
        page = office.signed_in(name).get("/calls")
        assert page.status == 200, name
        assert set(shown_calls(page)) == calls, name
    assert "No lines are assigned to you" in office.signed_in("nol").get("/calls").text
    # Asking for another line by name changes nothing.
    ana = office.signed_in("ana")
    assert set(shown_calls(ana.get("/calls?line=3"))) == lines_of[1]
    assert set(shown_calls(ana.get("/calls?line=1&line=3"))) == lines_of[1]


def test_the_search_fields_narrow_the_log(office):
    boss = office.signed_in("boss")
    first_line = office.calls[1]
    assert shown_calls(boss.get("/calls?number=13800131001")) == [first_line[1]]
    assert set(shown_calls(boss.get("/calls?number=138-0013-1&match=prefix"))) == set(first_line)
    assert shown_calls(boss.get("/calls?number=8613800131001")) == [first_line[1]]
    missed = set(shown_calls(boss.get("/calls?outcome=missed&line=1")))
    assert missed == {first_line[2], first_line[5]}
    assert set(shown_calls(boss.get("/calls?direction=out&line=1"))) == set(first_line[1::2])
    assert set(shown_calls(boss.get("/calls?recorded=no&line=1"))) == missed
    assert set(shown_calls(boss.get("/calls?min_s=5&line=1"))) == {first_line[3], first_line[4]}
    customer = shown_calls(boss.get("/calls?customer=of%20ana"))
    assert customer == [first_line[0]]


def test_dates_are_whole_local_days(office):
    boss = office.signed_in("boss")
    # T0 is 08:00 in Beijing on 1 Jan 2026; the calls run hourly from then on.
    store = office.deps.store
    late = store.start_call(1, "in", started_at=T0 + 16 * 3600 - 60)  # 23:59 local, 1 Jan
    early = store.start_call(1, "in", started_at=T0 + 16 * 3600 + 60)  # 00:01 local, 2 Jan
    first_day = set(shown_calls(boss.get("/calls?from=2026-01-01&to=2026-01-01")))
    assert late in first_day and early not in first_day
    assert shown_calls(boss.get("/calls?from=2026-01-02")) == [early]
    assert shown_calls(boss.get("/calls?to=2025-12-31")) == []


def test_sorting_and_paging(office, monkeypatch):
    monkeypatch.setattr("webui.pages.calls.PAGE_SIZE", 5)
    monkeypatch.setattr("webui.call_filters.PAGE_SIZE", 5)
    boss = office.signed_in("boss")
    first = boss.get("/calls")
    newest = shown_calls(first)
    assert len(newest) == 5 and 'rel="next"' in first.text and 'rel="prev"' not in first.text
    all_calls = sorted(
        (c for line in office.calls.values() for c in line),
        key=lambda c: (office.deps.store.call(c).started_at, c),
        reverse=True,
    )
    assert newest == all_calls[:5]
    second = boss.get("/calls?page=2")
    assert shown_calls(second) == all_calls[5:10] and 'rel="prev"' in second.text
    oldest = shown_calls(boss.get("/calls?sort=start&order=asc"))
    assert oldest == all_calls[::-1][:5]
    by_duration = shown_calls(boss.get("/calls?sort=duration&order=desc&outcome=answered"))
    durations = [office.deps.store.call(c).duration_s for c in by_duration]
    assert durations == sorted(durations, reverse=True)
    by_line = shown_calls(boss.get("/calls?sort=line&order=asc"))
    assert {office.deps.store.call(c).line for c in by_line} == {1}
    # The header links keep the search and flip the order of the current column.
    page = boss.get("/calls?number=138&sort=duration&order=desc")
    assert 'href="?number=138&amp;sort=duration&amp;order=asc"' in page.text
    assert "1,000+" not in page.text and "24 calls" in page.text


def test_bad_search_values_are_said_and_ignored(office):
    boss = office.signed_in("boss")
    for query, message in (
        ("from=yesterday", "The first day is not a date."),
        ("to=2026-02-30", "The last day is not a date."),
        ("number=abc", "A number to search for has only digits"),
        ("min_s=-5", "A duration is a number of seconds."),
        ("max_s=lots", "A duration is a number of seconds."),
    ):
        page = boss.get(f"/calls?{query}")
        assert page.status == 200 and message in page.text, query
        assert len(shown_calls(page)) == 24  # the bad field filtered nothing
    for query in ("sort=id;DROP", "order=sideways", "page=-3", "page=99999999999",
                  "outcome=won", "direction=up", "line=x", "number=" + "1" * 5000,
                  "customer=" + "z" * 5000):
        assert boss.get(f"/calls?{query}").status == 200, query
    assert boss.get("/calls.csv?number=abc").status == 400


def test_recording_and_customer_links_follow_the_flags(office):
    ana = office.signed_in("ana").get("/calls").text
    recording = office.recording_of_line(1)
    assert f'href="/recordings/{recording}"' in ana
    customer_link = re.search(r'href="/customers/(\d+)">Customer of ana<', ana)
    assert customer_link
    ben = office.signed_in("ben").get("/calls").text  # no recording flags
    assert "/recordings/" not in ben
    # cai's customer is on his own line 3; lea (Sales) sees line 1 and ana's customer, not his.
    lea = office.signed_in("lea").get("/calls").text
    assert "Customer of ana" in lea and "Customer of cai" not in lea
    boss = office.signed_in("boss").get("/calls").text
    assert "Customer of cai" in boss


def test_the_csv_export_has_the_same_calls_as_the_page(office):
    ana = office.signed_in("ana")
    answer = ana.get("/calls.csv?outcome=answered")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert re.match(r'attachment; filename="calls-\d{8}-\d{4}\.csv"',
                    answer.headers["Content-Disposition"])
    rows = csv_rows(answer)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Start", "Line", "Line name", "Direction", "Outcome"]
    expected = [c for c in office.calls[1] if office.deps.store.call(c).outcome == "answered"]
    assert len(body) == len(expected)
    assert {row[1] for row in body} == {"1"}
    first = next(row for row in body if row[5] == "13800131000")
    assert first[6] == "'+8613800131000"  # a + cell is kept as text, not a formula
    assert first[8] == "Customer of ana" and first[9] == "Beijing"
    assert first[0] == "2026-01-01 08:01:00" and first[13] == "2"
    assert first[14] == "1"  # one recording
    entries = office.deps.audit.entries(action="export")
    assert [(e.username, e.target) for e in entries] == [("ana", "calls.csv")]


def test_the_csv_speaks_the_readers_language_and_defuses_formulas(office):
    store = office.deps.store
    store.start_call(1, "in", started_at=T0 + 99, number="13800138000",
                     name='=HYPERLINK("http://evil.example","x")')
    store.start_call(1, "in", started_at=T0 + 98, number="13800138001", name="@SUM(A1)")
    store.start_call(1, "in", started_at=T0 + 97, number="13800138002", name="-2+3")
    office.deps.accounts.update_user(office.ids["boss"], language="zh-CN")
    rows = csv_rows(office.signed_in("boss").get("/calls.csv?number=1380013800"))
    assert rows[0][0] == "开始时间" and rows[0][3] == "方向"
    names = {row[7] for row in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(A1)", "'-2+3"}
    assert {row[3] for row in rows[1:]} == {"呼入"}
    assert all(row[0].startswith("2026-01-01 08:01:") for row in rows[1:])


def test_the_csv_is_cut_at_its_limit_and_says_so(office, monkeypatch):
    monkeypatch.setattr("webui.pages.calls.MAX_ROWS", 3)
    rows = csv_rows(office.signed_in("boss").get("/calls.csv"))
    assert len(rows) == 1 + 3 + 1
    assert rows[-1][0].startswith("Cut at 3 calls")
    # The file of a search that fits has no such line.
    rows = csv_rows(office.signed_in("boss").get("/calls.csv?line=1&outcome=missed"))
    assert len(rows) == 3 and not rows[-1][0].startswith("Cut")


def test_every_label_the_pages_look_up_has_its_chinese():
    from webui.call_filters import OUTCOME_LABELS  # noqa: PLC0415
    from webui.messages_zh import ZH  # noqa: PLC0415
    from webui.pages.audit import ACTION_LABELS  # noqa: PLC0415

    labels = [*call_csv.COLUMNS, *OUTCOME_LABELS.values(), *ACTION_LABELS.values()]
    assert [label for label in labels if label not in ZH] == []


def test_safe_cells():
    assert call_csv.safe_cell("=1+1") == "'=1+1"
    assert call_csv.safe_cell("+86138") == "'+86138"
    assert call_csv.safe_cell("\tx") == "'\tx"
    assert call_csv.safe_cell("张三") == "张三"
    assert call_csv.safe_cell(None) == "" and call_csv.safe_cell(12) == "12"
