"""The audit log page: who may read it, its filters and its pages."""

from __future__ import annotations

import re

import pytest

from tests.calls_box import T0, make_office
from webui.pages import audit


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    log = made.deps.audit
    for index in range(12):
        log.record("listen", username="ana", user_id=made.ids["ana"],
                   target=f"recording {index + 1}", address="192.0.2.7", at=T0 + 60 * index)
    log.record("download", username="cai", user_id=made.ids["cai"], target="recording 3",
               detail="abc", at=T0 + 86400)
    log.record("sign_in_failed", username="mallory", detail="<script>x</script>", at=T0 + 5)
    yield made
    made.box.close()


def rows(page) -> list[int]:
    return [int(found) for found in re.findall(r'data-entry="(\d+)"', page.text)]


def test_only_auditors_and_admins_read_the_log(office):
    for name, status in (("aud", 200), ("adm", 200), ("boss", 200), ("ana", 403),
                         ("cai", 403), ("nol", 403)):
        assert office.signed_in(name).get("/audit").status == status, name
    assert 'href="/audit"' in office.signed_in("adm").get("/live").text
    assert 'href="/audit"' not in office.signed_in("ana").get("/live").text


def test_filters_and_pages(office, monkeypatch):
    auditor = office.signed_in("aud")
    everything = auditor.get("/audit")
    # Signing in the auditor is itself in the log, newest first.
    assert "Signed in" in everything.text and "&lt;script&gt;" in everything.text
    listens = auditor.get("/audit?action=listen")
    assert len(rows(listens)) == 12 and '<td class="c-action">Downloaded</td>' not in listens.text
    assert 'href="/recordings/1"' in listens.text
    assert len(rows(auditor.get("/audit?user=CAI"))) == 1
    day_two = auditor.get("/audit?from=2026-01-02&to=2026-01-02")
    assert '<td class="c-action">Downloaded</td>' in day_two.text and len(rows(day_two)) == 1
    assert "The first day is not a date." in auditor.get("/audit?from=soon").text
    monkeypatch.setattr(audit, "PAGE_SIZE", 5)
    first = auditor.get("/audit?action=listen")
    second = auditor.get("/audit?action=listen&page=2")
    third = auditor.get("/audit?action=listen&page=3")
    assert [len(rows(p)) for p in (first, second, third)] == [5, 5, 2]
    assert 'href="?action=listen&amp;page=2"' in first.text and 'rel="next"' not in third.text
    assert not set(rows(first)) & set(rows(second))
    for query in ("action=drop", "page=-1", "page=abc", "user=" + "x" * 500):
        assert auditor.get(f"/audit?{query}").status == 200, query


def test_an_auditor_limited_to_some_lines_reads_only_what_concerns_them(office):
    """Decided: an auditor who sees every line (or an admin) reads every entry; one limited
    to some lines reads the entries about their lines' recordings, calls and the lines
    themselves, and their own doings: not other users' sign-ins, nor the settings."""
    store = office.deps.store
    on_line = {line: [r.id for r in store.recordings() if r.line == line] for line in (1, 3)}
    office.deps.accounts.update_user(office.ids["aud"], permissions={"audit"}, lines={3})
    log = office.deps.audit
    log.record("listen", username="boss", user_id=office.ids["boss"],
               target=f"recording {on_line[3][0]}", at=T0 + 100)
    log.record("live_listen", username="boss", user_id=office.ids["boss"], target="line 3",
               at=T0 + 101)
    log.record("live_listen", username="boss", user_id=office.ids["boss"], target="line 1",
               at=T0 + 102)
    log.record("settings_changed", username="boss", user_id=office.ids["boss"],
               target="device configuration", at=T0 + 103)
    limited = office.signed_in("aud")
    page = limited.get("/audit").text
    targets = set(re.findall(r'<td class="c-subject">(.*?)</td>', page, re.S))
    shown = {re.sub(r"<[^>]+>", "", target).strip() for target in targets}
    assert f"recording {on_line[3][0]}" in shown and "line 3" in shown  # their line's
    assert "line 1" not in shown and "device configuration" not in shown
    assert not any(f"recording {rid}" in shown for rid in on_line[1])  # ana's listens on 1
    assert "mallory" not in page  # others' failed sign-ins
    assert "Signed in" in page  # their own
    assert "device configuration" in office.signed_in("adm").get("/audit").text  # admins: all
