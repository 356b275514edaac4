"""One sampled call of a quality inspection task: the inspector's page (the recording's
player beside the scoring form, the previous and next sampled calls), its audio, and
appeals.

Who opens a sampled call (404 for anyone else, whether it exists or not):

- an inspector of its task (``quality``, named on the task; a super user): the page,
  the player (whatever lines they see otherwise) and the scoring form;
- the operator whose call it is, their leader, admins and inspectors of other tasks:
  the page with the result; the player only if they may listen to that line's
  recordings anyway (``recordings_listen`` and the line in their scope).

The operator whose call it is appeals a result once, with a reason; an inspector of
the task, the operator's leader, an admin or a super user accepts it (scoring again)
or rejects it, with a reason. Every score, appeal and decision is audited.
"""

from __future__ import annotations

from firmware.store.audit import structured_detail
from firmware.store.call_search import CallSearch
from firmware.store.quality import COMMENT_LIMIT, REASON_LIMIT, QualityError, Sample, Task
from firmware.store.scopes import EVERY_LINE
from webui.context import Ctx
from webui.pages.calls import customer_scope
from webui.pages.quality import (
    error_text,
    inspects,
    quality,
    result_operators,
    task_of,
    user_names,
)
from webui.pages.recordings import play


def _sees(ctx: Ctx, sample: Sample, task: Task) -> bool:
    operators = result_operators(ctx)
    return inspects(ctx, task) or operators is None or sample.operator_id in operators


def may_play(ctx: Ctx, sample: Sample, task: Task) -> bool:
    if sample.recording_id is None:
        return False
    return inspects(ctx, task) or (ctx.can("recordings_listen")
                                   and ctx.principal.sees_line(sample.line))


def may_decide(ctx: Ctx, sample: Sample, task: Task) -> bool:
    """Decides an appeal: an inspector of the task, an admin, a super user, or the leader
    of the operator's group (never of their own call)."""
    if sample.operator_id == ctx.user.id:
        return False
    if inspects(ctx, task) or ctx.can("admin"):
        return True
    return (ctx.user.level == "leader"
            and sample.operator_id in ctx.principal.group_member_ids)


def _visible(ctx: Ctx, sample_id: int) -> tuple[Sample, Task]:
    sample = quality(ctx).sample_by_id(sample_id)
    if sample is None:
        ctx.fail(404, "Not found.")
    task = task_of(ctx, sample.task_id)
    if not _sees(ctx, sample, task):
        ctx.fail(404, "Not found.")
    return sample, task


def sample_page(ctx: Ctx, sample_id: int, typed: dict | None = None, problem: str = "",
                status: int = 200) -> str:
    sample, task = _visible(ctx, sample_id)
    store = quality(ctx)
    template = store.template(task.template_id)
    neighbours = previous = following = None
    if inspects(ctx, task):
        neighbours = [other.id for other in store.samples(task.id)]
        at = neighbours.index(sample.id)
        previous = neighbours[at - 1] if at > 0 else None
        following = neighbours[at + 1] if at + 1 < len(neighbours) else None
    call = ctx.deps.store.call(sample.call_id) if sample.call_id else None
    recording = ctx.deps.store.recording(sample.recording_id) if sample.recording_id else None
    scores = sample.result.scores if sample.result else {}
    if typed is None:
        typed = {"scores": {item.id: str(scores.get(item.id, "")) for item in template.items},
                 "comment": sample.result.comment if sample.result else "",
                 "reason": "", "decision": ""}
    ctx.response.status = status
    return ctx.render(
        "quality_sample.tpl", sample=sample, task=task, scoring=template, call=call,
        recording=recording, typed=typed, problem=problem,
        inspects=inspects(ctx, task), may_play=may_play(ctx, sample, task),
        may_appeal=sample.operator_id == ctx.user.id and sample.result is not None
        and sample.appeal is None,
        may_decide=sample.appeal is not None and sample.appeal.state == "open"
        and may_decide(ctx, sample, task),
        previous=previous, following=following,
        position=(neighbours.index(sample.id) + 1, len(neighbours)) if neighbours else None,
        names=user_names(ctx), notice=ctx.query("done"), comment_limit=COMMENT_LIMIT,
        reason_limit=REASON_LIMIT,
    )


def sample_audio(ctx: Ctx, sample_id: int):
    """The sampled call's recording for the player (``webui.pages.recordings.play``)."""
    sample, task = _visible(ctx, sample_id)
    if not may_play(ctx, sample, task):
        ctx.fail(404, "Not found.")
    row = CallSearch(ctx.deps.store).recording(sample.recording_id, EVERY_LINE,
                                               customer_scope(ctx))
    if row is None:
        ctx.fail(404, "Not found.")
    return play(ctx, row)


def _typed_scores(ctx: Ctx, task: Task) -> dict[int, str]:
    template = quality(ctx).template(task.template_id)
    return {item.id: ctx.form(f"score_{item.id}")[:20] for item in template.items}


def score_submit(ctx: Ctx, sample_id: int) -> str:
    sample, task = _visible(ctx, sample_id)
    if not inspects(ctx, task):
        ctx.fail(404, "Not found.")
    comment = ctx.form("comment")
    typed = {"scores": _typed_scores(ctx, task), "comment": comment[:COMMENT_LIMIT + 100],
             "reason": "", "decision": ""}
    try:
        before, after = quality(ctx).score(
            sample.id, typed["scores"], comment, inspector_id=ctx.user.id,
            inspector_name=ctx.user.shown_name, now=ctx.deps.clock())
    except QualityError as error:
        return sample_page(ctx, sample_id, typed, error_text(ctx, error), 400)
    ctx.audit("quality_scored", f"quality sample {sample.id}", structured_detail(
        changes=[("total", before, after)], call=sample.call_id,
        operator=user_names(ctx).get(sample.operator_id, ""), comment=comment or None))
    target = f"/quality/samples/{sample.id}?done=scored"
    if ctx.form("then") == "next":
        samples = [other.id for other in quality(ctx).samples(task.id)]
        at = samples.index(sample.id)
        if at + 1 < len(samples):
            target = f"/quality/samples/{samples[at + 1]}?done=scored"
    ctx.redirect(target)
    return ""


def appeal_submit(ctx: Ctx, sample_id: int) -> str:
    sample, _ = _visible(ctx, sample_id)
    if sample.operator_id != ctx.user.id:
        ctx.fail(404, "Not found.")
    reason = ctx.form("reason")
    try:
        appeal_id = quality(ctx).appeal(sample.id, ctx.user.id, reason, now=ctx.deps.clock())
    except QualityError as error:
        typed = {"scores": {}, "comment": "", "reason": reason[:REASON_LIMIT + 100],
                 "decision": ""}
        return sample_page(ctx, sample_id, _merge(ctx, sample_id, typed),
                           error_text(ctx, error), 400)
    ctx.audit("quality_appealed", f"quality sample {sample.id}", structured_detail(
        appeal=appeal_id, call=sample.call_id, total=sample.result.total, reason=reason))
    ctx.redirect(f"/quality/samples/{sample.id}?done=appealed")
    return ""


def _merge(ctx: Ctx, sample_id: int, typed: dict) -> dict:
    """The page's own values, with what was typed over them."""
    sample = quality(ctx).sample_by_id(sample_id)
    task = quality(ctx).task(sample.task_id)
    template = quality(ctx).template(task.template_id)
    scores = sample.result.scores if sample.result else {}
    base = {item.id: str(scores.get(item.id, "")) for item in template.items}
    return {**typed, "scores": {**base, **typed["scores"]},
            "comment": typed["comment"] or (sample.result.comment if sample.result else "")}


def decide_submit(ctx: Ctx, sample_id: int) -> str:
    sample, task = _visible(ctx, sample_id)
    if sample.appeal is None or not may_decide(ctx, sample, task):
        ctx.fail(404, "Not found.")
    verdict = ctx.form("verdict")
    if verdict not in ("accept", "reject"):
        ctx.fail(400, "Choose to accept or reject the appeal.")
    decision = ctx.form("decision")
    scores = _typed_scores(ctx, task) if verdict == "accept" else None
    try:
        before, after = quality(ctx).decide(
            sample.appeal.id, verdict == "accept", decision, by=ctx.user.id,
            by_name=ctx.user.shown_name, now=ctx.deps.clock(), scores=scores)
    except QualityError as error:
        typed = {"scores": scores or {}, "comment": "", "reason": "",
                 "decision": decision[:REASON_LIMIT + 100]}
        return sample_page(ctx, sample_id, _merge(ctx, sample_id, typed),
                           error_text(ctx, error), 400)
    action = "quality_appeal_accepted" if verdict == "accept" else "quality_appeal_rejected"
    ctx.audit(action, f"quality sample {sample.id}", structured_detail(
        changes=[("total", before, after)] if before != after else (),
        appeal=sample.appeal.id, call=sample.call_id, reason=decision))
    ctx.redirect(f"/quality/samples/{sample.id}?done={verdict}ed")
    return ""
