"""Quality inspection's pages: who may open what by direct URL (inspectors, operators with
their own and others' calls, leaders, admins), the inspector's page with its player,
scoring and appeals, bad input, CSRF, the audit log and the Excel export."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from firmware.store.quality import Quality
from tests.calls_box import T0, _add_user, make_office

NOW = T0 + 12 * 3600  # 20:00 in Beijing, 1 Jan 2026
ROLES = ("boss", "ana", "ben", "lea", "cai", "aud", "adm", "nol", "qa", "qb")
TEMPLATE_FORM = [("name", "Phone manner"), ("text", "Greeting"), ("weight", "1"),
                 ("max", "5"), ("text", "Solution"), ("weight", "3"), ("max", "10"),
                 ("text", ""), ("weight", ""), ("max", "")]


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, clock=lambda: NOW)
    # Inspectors: qa (inspects the task), qb (has the flag, not on the task); neither has lines.
    made.ids["qa"] = _add_user(made.box, "qa", permissions={"quality"}, language="en")
    made.ids["qb"] = _add_user(made.box, "qb", permissions={"quality"}, language="en")
    yield made
    made.box.close()


def task_form(office, **changes):
    form = {"name": "January", "template": "", "from": "2026-01-01", "to": "2026-01-01",
            "share": "100", "min_duration": "0", "recorded_only": "yes",
            "action": "create"}
    form.update({k: v for k, v in changes.items() if k not in ("operators", "inspectors")})
    fields = list(form.items())
    fields += [("operators", str(office.ids[name])) for name in changes.get(
        "operators", ("ana", "cai"))]
    fields += [("inspectors", str(office.ids[name])) for name in changes.get(
        "inspectors", ("qa",))]
    return fields


@pytest.fixture
def task(office):
    """A template and a task sampling every recorded call of ana (line 1) and cai (line 3)."""
    qa = office.signed_in("qa")
    made = qa.post("/quality/templates/new", TEMPLATE_FORM)
    assert made.status == 303, made.text[:1000]
    template_id = int(re.search(r"/quality/templates/(\d+)", made.location).group(1))
    answer = qa.post("/quality/tasks/new", task_form(office, template=str(template_id)))
    assert answer.status == 303, answer.text[:2000]
    task_id = int(re.search(r"/quality/tasks/(\d+)", answer.location).group(1))
    quality = Quality(office.deps.store)
    samples = quality.samples(task_id)
    items = quality.template(template_id).items
    return {"template": template_id, "task": task_id, "samples": samples, "items": items,
            "qa": qa}


def sample_of(task, office, name):
    return next(s for s in task["samples"] if s.operator_id == office.ids[name])


def score(client, task, sample, greeting="4", solution="5", **extra):
    form = {f"score_{task['items'][0].id}": greeting, f"score_{task['items'][1].id}": solution,
            "comment": "Polite; slow to solve", **extra}
    return client.post(f"/quality/samples/{sample.id}", form)


def audit_actions(office):
    return [entry.action for entry in office.deps.audit.entries(limit=200)]


def test_the_task_sampled_every_recorded_call_of_its_operators(office, task):
    # Lines 1 and 3 have 6 calls each, 4 answered and recorded.
    assert len(task["samples"]) == 8
    assert {s.operator_id for s in task["samples"]} == {office.ids["ana"], office.ids["cai"]}
    assert {s.recording_id for s in task["samples"]} <= set(office.recordings.values())
    assert {"quality_template_added", "quality_task_created"} <= set(audit_actions(office))


def test_pages_by_direct_url_for_each_role(office, task):
    ana_sample = sample_of(task, office, "ana")
    cai_sample = sample_of(task, office, "cai")
    assert score(task["qa"], task, ana_sample).status == 303
    assert score(task["qa"], task, cai_sample).status == 303
    inspectors_pages = ("/quality/templates", "/quality/templates/new",
                        f"/quality/templates/{task['template']}", "/quality/tasks/new",
                        f"/quality/tasks/{task['task']}")
    # Who opens ana's sampled call, and who hears it.
    opens_ana = {"boss", "ana", "lea", "adm", "qa", "qb"}
    hears_ana = {"boss", "ana", "lea", "qa"}  # qb: the flag, not on the task, no lines
    reads_results = {"boss", "lea", "adm", "qa", "qb"}
    for name in ROLES:
        client = office.signed_in(name)
        inspector = name in ("boss", "qa", "qb")
        for path in inspectors_pages:
            assert client.get(path).status == (200 if inspector else 403), (name, path)
        overview = client.get("/quality")
        assert overview.status == (200 if inspector else 303), name
        assert client.get("/quality/mine").status == 200, name
        assert client.get("/quality/results").status == (
            200 if name in reads_results else 403), name
        page = client.get(f"/quality/samples/{ana_sample.id}")
        assert page.status == (200 if name in opens_ana else 404), name
        audio = client.get(f"/quality/samples/{ana_sample.id}/audio")
        assert audio.status == (200 if name in hears_ana else 404), name
        if page.status == 200:
            player = f'src="/quality/samples/{ana_sample.id}/audio"' in page.text
            assert player is (name in hears_ana), name
        shown = 'href="/quality"' in client.get("/").text
        assert shown, name
    # An operator's overview leads to their own page; a leader's to the results.
    assert office.signed_in("ana").get("/quality").location.endswith("/quality/mine")
    assert office.signed_in("lea").get("/quality").location.endswith("/quality/results")
    # ana and her leader do not open cai's call (another group's), nor hear it.
    for name in ("ana", "ben", "lea"):
        client = office.signed_in(name)
        assert client.get(f"/quality/samples/{cai_sample.id}").status == 404, name
        assert client.get(f"/quality/samples/{cai_sample.id}/audio").status == 404, name
    assert office.signed_in("cai").get(f"/quality/samples/{cai_sample.id}").status == 200
    # An unknown sample is a 404 like another's.
    assert office.signed_in("qa").get("/quality/samples/99999").status == 404
    assert office.signed_in("qa").get("/quality/tasks/99999").status == 404
    assert office.signed_in("qa").get("/quality/templates/99999").status == 404
    assert office.box.client().get("/quality").location.startswith("/login")


def test_an_inspector_hears_the_sampled_calls_not_the_lines(office, task):
    """qa sees no line: the task opens its sampled calls to her, nothing else."""
    qa = task["qa"]
    sample = sample_of(task, office, "ana")
    audio = qa.get(f"/quality/samples/{sample.id}/audio")
    assert audio.status == 200 and audio.headers["Content-Type"] == "audio/wav"
    assert qa.get(f"/recordings/{sample.recording_id}").status in (403, 404)
    assert qa.get(f"/recordings/{sample.recording_id}/audio").status in (403, 404)
    listens = [entry for entry in office.deps.audit.entries(limit=50)
               if entry.action == "listen"]
    assert listens and listens[0].target == f"recording {sample.recording_id}"
    assert listens[0].username == "qa"


def test_the_inspectors_page_scores_and_steps_through_the_calls(office, task):
    qa = task["qa"]
    first, second = task["samples"][0], task["samples"][1]
    page = qa.get(f"/quality/samples/{first.id}")
    assert page.status == 200
    assert 'class="quality-split"' in page.text
    assert f'href="/quality/samples/{second.id}" rel="next"' in page.text
    assert 'rel="prev"' not in page.text
    answer = score(qa, task, first, then="next")
    assert answer.status == 303 and answer.location.endswith(
        f"/quality/samples/{second.id}?done=scored")
    result = Quality(office.deps.store).sample_by_id(first.id).result
    assert result.total == 57.5 and result.inspector_name == "qa"  # 25 * 4/5 + 75 * 5/10
    page = qa.get(f"/quality/samples/{second.id}")
    assert f'href="/quality/samples/{first.id}" rel="prev"' in page.text
    entry = next(e for e in office.deps.audit.entries(limit=50) if e.action == "quality_scored")
    assert entry.target == f"quality sample {first.id}" and "57.5" in entry.detail
    # Another inspector with the flag, not on the task, does not score it.
    qb = office.signed_in("qb")
    assert score(qb, task, first).status == 404
    # Operators cannot score (the route needs the flag).
    assert score(office.signed_in("ana"), task, first).status == 403


@pytest.mark.parametrize("typed", [
    ("6", "5", "", "Item 1: 6 is above the highest score, 5."),
    ("x", "5", "", "Item 1: x is not a whole number."),
    ("", "5", "", "Item 1: give a score."),
    ("1", "-2", "", "Item 2: -2 is not a whole number."),
    ("1", "2", "c" * 2001, "Comment: at most 2000 characters."),
])
def test_bad_scores_get_one_line(office, task, typed):
    greeting, solution, comment, message = typed
    sample = task["samples"][0]
    answer = score(task["qa"], task, sample, greeting, solution, comment=comment)
    assert answer.status == 400
    assert f'<p class="problem" role="alert">{message}</p>' in answer.text
    assert Quality(office.deps.store).sample_by_id(sample.id).result is None


def test_appeal_by_the_operator_and_decisions(office, task):
    sample = sample_of(task, office, "ana")
    assert score(task["qa"], task, sample, "5", "4").status == 303  # 25 + 30 = 55
    # Only the operator whose call it is appeals.
    for name in ("ben", "lea", "qa"):
        answer = office.signed_in(name).post(f"/quality/samples/{sample.id}/appeal",
                                             {"reason": "unfair"})
        assert answer.status == 404, name
    ana = office.signed_in("ana")
    mine = ana.get("/quality/mine")
    assert f'href="/quality/samples/{sample.id}"' in mine.text and "55.0" in mine.text
    assert f'action="/quality/samples/{sample.id}/appeal"' in mine.text  # the form inline
    page = ana.get(f"/quality/samples/{sample.id}")
    assert "Appeal this result" in page.text
    answer = ana.post(f"/quality/samples/{sample.id}/appeal", {"reason": ""})
    assert answer.status == 400 and "Reason: say why the score is wrong." in answer.text
    answer = ana.post(f"/quality/samples/{sample.id}/appeal", {"reason": "x" * 2001})
    assert answer.status == 400 and "Reason: at most 2000 characters." in answer.text
    answer = ana.post(f"/quality/samples/{sample.id}/appeal", {"reason": "I solved it"})
    assert answer.status == 303
    answer = ana.post(f"/quality/samples/{sample.id}/appeal", {"reason": "again"})
    assert answer.status == 400 and "This result was appealed already." in answer.text
    # She cannot decide her own; another group's leader's... ben (operator) neither.
    for name in ("ana", "ben", "cai", "qb"):
        answer = office.signed_in(name).post(f"/quality/samples/{sample.id}/decide",
                                             {"verdict": "reject", "decision": "no"})
        assert answer.status == 404, name
    # While it is open the inspector's scores wait for the decision.
    answer = score(task["qa"], task, sample)
    assert answer.status == 400 and "An appeal is open" in answer.text
    # Her leader accepts it with new scores, one of them too high first.
    lea = office.signed_in("lea")
    assert "Accept and score again" in lea.get(f"/quality/samples/{sample.id}").text
    items = task["items"]
    bad = lea.post(f"/quality/samples/{sample.id}/decide",
                   {"verdict": "accept", "decision": "Right", f"score_{items[0].id}": "5",
                    f"score_{items[1].id}": "11"})
    assert bad.status == 400 and "Item 2: 11 is above the highest score, 10." in bad.text
    bad = lea.post(f"/quality/samples/{sample.id}/decide",
                   {"verdict": "maybe", "decision": "Right"})
    assert bad.status == 400
    answer = lea.post(f"/quality/samples/{sample.id}/decide",
                      {"verdict": "accept", "decision": "Right: solved",
                       f"score_{items[0].id}": "5", f"score_{items[1].id}": "10"})
    assert answer.status == 303
    assert Quality(office.deps.store).sample_by_id(sample.id).result.total == 100.0
    page = ana.get(f"/quality/samples/{sample.id}")
    assert "Right: solved" in page.text and "Accepted" in page.text
    assert {"quality_appealed", "quality_appeal_accepted"} <= set(audit_actions(office))
    entry = next(e for e in office.deps.audit.entries(limit=50)
                 if e.action == "quality_appeal_accepted")
    assert "55" in entry.detail and "100" in entry.detail


def test_the_inspector_rejects_an_appeal(office, task):
    sample = sample_of(task, office, "cai")
    score(task["qa"], task, sample)
    cai = office.signed_in("cai")
    assert cai.post(f"/quality/samples/{sample.id}/appeal", {"reason": "no"}).status == 303
    qa = task["qa"]
    assert "Appeals waiting for a decision" in qa.get("/quality").text
    answer = qa.post(f"/quality/samples/{sample.id}/decide", {"verdict": "reject",
                                                              "decision": ""})
    assert answer.status == 400 and "Reason: say why." in answer.text
    answer = qa.post(f"/quality/samples/{sample.id}/decide",
                     {"verdict": "reject", "decision": "The recording says otherwise"})
    assert answer.status == 303
    assert Quality(office.deps.store).sample_by_id(sample.id).result.total == 57.5
    assert "quality_appeal_rejected" in audit_actions(office)


def test_every_form_refuses_a_missing_csrf_token(office, task):
    sample = task["samples"][0]
    qa = task["qa"]
    for path, form in (
        ("/quality/templates/new", TEMPLATE_FORM),
        (f"/quality/templates/{task['template']}", TEMPLATE_FORM),
        (f"/quality/templates/{task['template']}/retire", {}),
        ("/quality/tasks/new", task_form(office, template=str(task["template"]))),
        (f"/quality/samples/{sample.id}", {"comment": "x"}),
        (f"/quality/samples/{sample.id}/decide", {"verdict": "reject", "decision": "x"}),
    ):
        answer = qa.post(path, form, csrf="wrong")
        assert answer.status == 403 and "This form has expired" in answer.text, path
    ana = office.signed_in("ana")
    answer = ana.post(f"/quality/samples/{sample.id}/appeal", {"reason": "x"}, csrf="wrong")
    assert answer.status == 403
    assert len(Quality(office.deps.store).templates()) == 1


def test_templates_change_by_version_once_in_use(office, task):
    qa = task["qa"]
    template_id = task["template"]
    page = qa.get(f"/quality/templates/{template_id}")
    assert "25% of the total" in page.text and "75% of the total" in page.text
    changed = [("name", "Phone manner"), ("text", "Greeting"), ("weight", "1"), ("max", "5"),
               ("text", "Solution"), ("weight", "1"), ("max", "10")]
    answer = qa.post(f"/quality/templates/{template_id}", changed)
    assert answer.status == 303 and answer.location.endswith("?done=versioned")
    new_id = int(re.search(r"/quality/templates/(\d+)", answer.location).group(1))
    quality = Quality(office.deps.store)
    assert quality.template(template_id).retired_at is not None
    assert quality.template(new_id).version == 2
    assert quality.task(task["task"]).template_id == template_id
    assert "quality_template_versioned" in audit_actions(office)
    # The retired one offers no form and takes no new task.
    assert f'action="/quality/templates/{template_id}"' not in qa.get(
        f"/quality/templates/{template_id}").text
    answer = qa.post("/quality/tasks/new", task_form(office, template=str(template_id)))
    assert answer.status == 400
    assert "Template: this template is retired; choose a current one." in answer.text
    assert qa.post(f"/quality/templates/{new_id}/retire", {}).status == 303
    assert "quality_template_retired" in audit_actions(office)


@pytest.mark.parametrize("form, message", [
    ([("name", ""), *TEMPLATE_FORM[1:]], "Name: write a name."),
    ([("name", "x" * 81), *TEMPLATE_FORM[1:]], "Name: at most 80 characters."),
    ([("name", "T"), ("text", "a"), ("weight", "0"), ("max", "5")],
     "Item 1: the weight is a number above 0, at most 1000."),
    ([("name", "T"), ("text", "a"), ("weight", "1e999"), ("max", "5")],
     "Item 1: the weight is a number above 0, at most 1000."),
    ([("name", "T"), ("text", "a"), ("weight", "1"), ("max", "101")],
     "Item 1: the highest score is a whole number from 1 to 100."),
    ([("name", "T"), ("text", "a"), ("weight", "1"), ("max", "x")],
     "Item 1: the highest score is a whole number from 1 to 100."),
    ([("name", "T"), ("text", ""), ("weight", "1"), ("max", "5")],
     "Item 1: write what is checked."),
    ([("name", "T")], "A template needs at least one item."),
])
def test_bad_templates_get_one_line(office, form, message):
    qa = office.signed_in("qa")
    answer = qa.post("/quality/templates/new", form)
    assert answer.status == 400
    assert f'<p class="problem" role="alert">{message}</p>' in answer.text
    assert Quality(office.deps.store).templates() == []


def test_the_task_form_previews_what_the_rule_samples(office, task):
    qa = task["qa"]
    form = task_form(office, template=str(task["template"]), share="50", action="preview",
                     operators=("ana", "ben"))
    page = qa.post("/quality/tasks/new", form)
    assert page.status == 200
    assert "The rule samples 4 of 8 calls." in page.text  # 4 recorded each, half of each
    # A group names its members with lines.
    sales = next(g.id for g in office.deps.accounts.groups() if g.name == "Sales")
    page = qa.post("/quality/tasks/new", task_form(
        office, template=str(task["template"]), action="preview", operators=(),
        group=str(sales), min_duration="5"))
    assert "The rule samples 4 of 4 calls." in page.text  # talks of 5 and 6 s on lines 1, 2
    assert len(Quality(office.deps.store).tasks()) == 1  # a preview makes nothing


@pytest.mark.parametrize("changes, message", [
    ({"from": "1985.5.6"}, "From: 1985.5.6 is not a date; write it as YYYY-MM-DD."),
    ({"to": "2026-02-30"}, "To: 2026-02-30 is not a date; write it as YYYY-MM-DD."),
    ({"from": "2026-01-02"}, "To: the last day comes before the first."),
    ({"from": "2024-01-01"}, "To: a task covers at most 366 days."),
    ({"share": "0"}, "Share: a whole number from 1 to 100."),
    ({"share": "101"}, "Share: a whole number from 1 to 100."),
    ({"share": "ten"}, "Share: a whole number from 1 to 100."),
    ({"min_duration": "-1"}, "Minimum talk time: 0 to 86400 seconds."),
    ({"operators": ()}, "Operators: choose operators or a group with members."),
    ({"operators": ("nol",)}, "Operators: choose them from the list."),
    ({"inspectors": ()}, "Inspectors: choose at least one."),
    ({"inspectors": ("ana",)}, "Inspectors: choose them from the list."),
    ({"template": "999"}, "Template: choose one from the list."),
    ({"group": "999"}, "Group: choose one from the list."),
    ({"name": "x" * 81}, "Name: at most 80 characters."),
])
def test_bad_tasks_get_one_line(office, task, changes, message):
    qa = task["qa"]
    answer = qa.post("/quality/tasks/new", task_form(
        office, **{"template": str(task["template"]), **changes}))
    assert answer.status == 400, answer.text[:500]
    assert f'<p class="problem" role="alert">{message}</p>' in answer.text
    assert len(Quality(office.deps.store).tasks()) == 1


def test_results_per_operator_with_their_trend_and_export(office, task):
    for sample in task["samples"]:
        greeting = "5" if sample.operator_id == office.ids["ana"] else "1"
        assert score(task["qa"], task, sample, greeting, "10").status == 303
    boss = office.signed_in("boss")
    page = boss.get("/quality/results?from=2026-01-01&to=2026-01-31")
    assert page.status == 200
    data = re.search(r'<script type="application/json" id="quality-data">(.*?)</script>',
                     page.text, re.S)
    assert data and '"label": "ana"' in data.group(1) and "100.0" in data.group(1)
    assert "80.0" in data.group(1)  # cai: 25 * 1/5 + 75
    assert "uPlot.iife.min.js" in page.text and "quality.js" in page.text
    # Her leader reads her group only.
    lea = office.signed_in("lea").get("/quality/results?from=2026-01-01&to=2026-01-31")
    assert "<td>ana</td>" in lea.text and "<td>cai</td>" not in lea.text
    only = boss.get(f"/quality/results?from=2026-01-01&to=2026-01-31"
                    f"&operator={office.ids['cai']}")
    assert "<td>cai</td>" in only.text and "<td>ana</td>" not in only.text
    bad = boss.get("/quality/results?from=1985.5.6")
    assert bad.status == 400 and "From: 1985.5.6 is not a date" in bad.text
    assert boss.get("/quality/results.xlsx?from=1985.5.6").status == 400
    # The export: every operator's figures and every result; text made harmless.
    office.deps.accounts.update_user(office.ids["cai"], display_name="=HYPERLINK(\"x\")")
    answer = boss.get("/quality/results.xlsx?from=2026-01-01&to=2026-01-31")
    assert answer.status == 200
    assert "spreadsheetml" in answer.headers["Content-Type"]
    book = load_workbook(io.BytesIO(answer.body))
    summary = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert summary[0][:3] == ["Operator", "Calls scored", "Average score"]
    assert ["ana", 4, 100.0] in [row[:3] for row in summary[1:]]
    names = {row[0] for row in summary[1:]}
    assert "'=HYPERLINK(\"x\")" in names
    listed = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(listed) == 9
    assert "quality_exported" in audit_actions(office)
    # Who may export: as who may read the results.
    assert office.signed_in("ana").get("/quality/results.xlsx").status == 403
    assert office.signed_in("adm").get("/quality/results.xlsx").status == 200


def test_a_template_no_task_uses_changes_in_place_and_an_unchanged_save_changes_nothing(
        office, task):
    qa = task["qa"]
    # Saved as it is: no new version though a task uses it.
    same = qa.post(f"/quality/templates/{task['template']}", TEMPLATE_FORM)
    assert same.status == 303 and same.location.endswith("?done=saved")
    assert len(Quality(office.deps.store).templates()) == 1
    made = qa.post("/quality/templates/new", [("name", "Spare"), ("text", "Tone"),
                                              ("weight", ""), ("max", "3")])
    spare = int(re.search(r"/quality/templates/(\d+)", made.location).group(1))
    answer = qa.post(f"/quality/templates/{spare}", [("name", "Spare 2"), ("text", "Tone"),
                                                     ("weight", "2"), ("max", "4")])
    assert answer.status == 303 and answer.location.endswith(f"/{spare}?done=saved")
    changed = Quality(office.deps.store).template(spare)
    assert changed.name == "Spare 2" and changed.version == 1
    assert (changed.items[0].weight, changed.items[0].max_score) == (2.0, 4)
    entry = next(e for e in office.deps.audit.entries(limit=50)
                 if e.action == "quality_template_changed")
    assert entry.target == f"quality template {spare}" and "Spare 2" in entry.detail


def test_a_leader_finds_her_groups_appeals_and_the_audit_log_reads_them(office, task):
    sample = sample_of(task, office, "ana")
    score(task["qa"], task, sample)
    office.signed_in("ana").post(f"/quality/samples/{sample.id}/appeal", {"reason": "Why?"})
    results = office.signed_in("lea").get("/quality/results?from=2026-01-01&to=2026-01-02")
    assert "Appeals waiting for a decision" in results.text
    assert f'href="/quality/samples/{sample.id}"' in results.text
    other = office.deps.accounts.create_user(
        "leo", office.deps.accounts.password_hash(office.ids["lea"]), "leader",
        group_id=office.deps.accounts.user(office.ids["cai"]).group_id, language="en")
    assert other.group_id is not None
    leo = office.signed_in("leo").get("/quality/results?from=2026-01-01&to=2026-01-02")
    assert "Appeals waiting for a decision" not in leo.text
    log = office.signed_in("boss").get("/audit").text
    for label in ("Quality: inspection task made", "Quality: call scored",
                  "Quality: result appealed", "Quality: scoring template added"):
        assert label in log, label
    assert "Share of the calls (%)" in log and "Sampled calls" in log
