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
