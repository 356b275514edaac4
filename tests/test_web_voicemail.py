"""The Voicemail page: its messages by line scope, the audio, heard and delete with their
audit entries, the menu's badge, the call log's mark; the permission and CSRF checks."""

from __future__ import annotations

import re

import numpy as np
import pytest

from firmware.store.audit import parse_detail
from firmware.store.voicemail import Voicemails, message_name, write_message
from tests.calls_box import T0, make_office


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    accounts = made.deps.accounts
    for name in ("ana", "cai"):
        user = accounts.user(made.ids[name])
        accounts.update_user(made.ids[name], permissions=set(user.permissions) | {"voicemail"})
    yield made
    made.box.close()


def leave_message(office, line: int, seconds: float = 2.0) -> int:
    """A message on ``line``'s first call, as the engine keeps it."""
    call = office.calls[line][0]
    started = T0 + line
    name = message_name(line, started)
    audio = (np.sin(np.arange(int(seconds * 8000)) / 5) * 3000).astype(np.int16)
    _, sha256 = write_message(office.deps.folder.voicemail, name, audio)
    return Voicemails(office.deps.store).add(
        call_id=call, line=line, number=f"1380013{line}000", started_at=started,
        seconds=seconds, path=name, sha256=sha256)


def test_a_user_with_the_flag_hears_the_messages_of_their_lines_only(office):
    mine, other = leave_message(office, 1), leave_message(office, 3)
    ana = office.signed_in("ana")
    page = ana.get("/voicemail")
    assert page.status == 200
    assert f"/voicemail/{mine}/audio" in page.text and f"/voicemail/{other}/audio" not in page.text
    # The menu's badge counts the new messages of her lines.
    assert re.search(r'data-voicemail-new title="[^"]*">1</span>', page.text)
    audio = ana.get(f"/voicemail/{mine}/audio")
    assert audio.status == 200 and audio.body[:4] == b"RIFF"
    assert audio.headers["Cache-Control"] == "private, no-store"
    assert audio.headers["Content-Type"].startswith("audio/wav")
    # The player seeks in a long message by byte ranges, as in a recording.
    part = ana.get(f"/voicemail/{mine}/audio", headers={"Range": "bytes=44-143"})
    assert part.status == 206 and part.body == audio.body[44:144]
    assert part.headers["Content-Range"] == f"bytes 44-143/{len(audio.body)}"
    beyond = ana.get(f"/voicemail/{mine}/audio", headers={"Range": "bytes=999999-"})
    assert beyond.status == 416
    assert ana.get(f"/voicemail/{other}/audio").status == 404
    assert ana.post(f"/voicemail/{other}/heard").status == 404
    assert ana.post(f"/voicemail/{other}/delete").status == 404
    assert ana.get("/voicemail/999/audio").status == 404
    assert ana.get("/api/voicemail/new").json() == {"new": 1}
    assert office.signed_in("boss").get("/api/voicemail/new").json() == {"new": 2}
    (played,) = office.deps.audit.entries(action="voicemail_played")
    assert played.target == f"voicemail {mine}" and played.username == "ana"


def test_without_the_flag_the_page_and_audio_are_forbidden_and_no_badge(office):
    message = leave_message(office, 1)
    lea = office.signed_in("lea")  # a leader who sees line 1, without the flag
    assert lea.get("/voicemail").status == 403
    assert lea.get(f"/voicemail/{message}/audio").status == 403
    assert lea.post(f"/voicemail/{message}/heard").status == 403
    page = lea.get("/calls").text
    assert 'href="/voicemail"' not in page
    boss = office.signed_in("boss")  # super: every line
    assert f"/voicemail/{message}/audio" in boss.get("/voicemail").text


def test_mark_heard_and_delete_are_audited_and_need_the_form_token(office):
    message = leave_message(office, 1)
    ana = office.signed_in("ana")
    assert ana.post(f"/voicemail/{message}/heard", csrf="forged").status == 403
    assert Voicemails(office.deps.store).get(message).new
    answer = ana.post(f"/voicemail/{message}/heard")
    assert answer.status == 303
    kept = Voicemails(office.deps.store).get(message)
    assert kept.heard_by == "ana" and kept.heard_at is not None
    (heard,) = office.deps.audit.entries(action="voicemail_heard")
    assert heard.target == f"voicemail {message}"
    assert parse_detail(heard.detail)["facts"]["line"] == 1
    ana.post(f"/voicemail/{message}/heard")  # again: nothing changes, nothing logged
    assert len(office.deps.audit.entries(action="voicemail_heard")) == 1
    page = ana.get("/voicemail").text
    assert "data-voicemail-new hidden" in page and "Heard by ana" in page
    confirm = ana.get(f"/voicemail/{message}/delete")
    assert confirm.status == 200 and "deleted for good" in confirm.text
    assert ana.post(f"/voicemail/{message}/delete", csrf="").status == 403
    assert ana.post(f"/voicemail/{message}/delete").status == 303
    row = Voicemails(office.deps.store).get(message)
    assert row.deleted_at is not None
    assert not (office.deps.folder.voicemail / row.path).exists()
    (deleted,) = office.deps.audit.entries(action="voicemail_deleted")
    assert deleted.username == "ana"
    assert ana.get(f"/voicemail/{message}/audio").status == 404
    assert ana.post(f"/voicemail/{message}/delete").status == 404


def test_the_call_log_and_the_call_page_say_voicemail(office):
    message = leave_message(office, 1)
    call = office.calls[1][0]
    ana = office.signed_in("ana")
    log = ana.get("/calls").text
    assert 'class="voicemail-mark">Voicemail' in log
    page = ana.get(f"/calls/{call}").text
    assert f"/voicemail/{message}/audio" in page
    office.deps.accounts.update_user(office.ids["ana"], language="zh-CN")
    page = office.signed_in("ana").get("/voicemail").text
    assert "语音留言" in page and "标为已听" in page


def test_the_live_card_says_voicemail_while_the_box_takes_a_message(office):
    from firmware.link import contract  # noqa: PLC0415
    from firmware.link.contract import LineStatus, Phase  # noqa: PLC0415

    engine = office.deps.engine
    engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    call = office.calls[1][0]
    taking = LineStatus(1, phase=Phase.SEIZED, call_id=call, direction="in", act="voicemail")
    engine.dispatch(contract.ActStarted(1, call, taking, act="voicemail"))
    ana = office.signed_in("ana")
    page = ana.get("/live").text
    assert '<span class="act-mark">Voicemail</span>' in page
    lines = ana.get("/api/lines").json()["lines"]
    assert [line["act"] for line in lines if line["line"] == 1] == ["voicemail"]
    engine.dispatch(contract.ActEnded(1, call, LineStatus(1, phase=Phase.SEIZED, call_id=call),
                                      act="voicemail", outcome="caller_hung_up"))
    assert '<span class="act-mark" hidden></span>' in ana.get("/live").text
