% rebase('layout.tpl', title=_('Sampled call'), page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality' if inspects else '/quality/mine')
% if inspects:
<p class="crumbs"><a href="/quality/tasks/{{task.id}}">{{task.name}}</a></p>
% else:
<p class="crumbs"><a href="/quality/mine">{{_('My inspections')}}</a></p>
% end
<div class="page-head">
  <h1>{{_('Sampled call')}}{{' · ' + _('{done} of {total}', done=position[0], total=position[1]) if position else ''}}</h1>
  % if inspects:
  <nav class="actions quality-steps" aria-label="{{_('Sampled calls')}}">
    % if previous:
    <a class="button secondary" href="/quality/samples/{{previous}}" rel="prev">← {{_('Previous')}}</a>
    % end
    % if following:
    <a class="button secondary" href="/quality/samples/{{following}}" rel="next">{{_('Next')}} →</a>
    % end
  </nav>
  % end
</div>
% notices = {'scored': _('Scored.'), 'appealed': _('Your appeal was sent.'), 'accepted': _('The appeal was accepted and the call scored again.'), 'rejected': _('The appeal was rejected.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<div class="quality-split">
  <section class="panel quality-call">
    <h2>{{_('The call')}}</h2>
    % if may_play and recording and recording.state not in ('missing', 'deleted'):
    % locked = bool(recording.stored_encrypted) and ctx.deps.recordings_key() is None
    % if locked:
    <p class="notice key-locked" role="status">{{_('Recordings are encrypted; the key is locked: playing and exporting wait for the passphrase.')}}</p>
    % else:
    <audio class="player" controls preload="none" src="/quality/samples/{{sample.id}}/audio">{{_('This browser cannot play audio.')}}</audio>
    % end
    % elif recording and recording.state == 'deleted':
    <p class="muted">{{_('The recording was deleted by retention on {date}.', date=_.date(recording.deleted_at))}}</p>
    % elif not sample.recording_id:
    <p class="muted">{{_('This call has no recording.')}}</p>
    % end
    <dl class="facts">
      <dt>{{_('Operator')}}</dt><dd>{{sample.operator_name}}</dd>
      <dt>{{_('Line')}}</dt><dd>{{_('Line {n}', n=sample.line)}}</dd>
      <dt>{{_('Call started')}}</dt><dd>{{_.datetime(sample.started_at, seconds=True)}}</dd>
      % if sample.duration_s:
      <dt>{{_('Talk time')}}</dt><dd>{{_.duration(sample.duration_s)}}</dd>
      % end
      % if call:
      <dt>{{_('Call')}}</dt><dd>{{_({'in': 'Incoming', 'out': 'Outgoing'}.get(call.direction, ''))}}{{(' · ' + call.number) if call.number and inspects else ''}}</dd>
      % end
      <dt>{{_('Task')}}</dt><dd>{{task.name}}</dd>
    </dl>
  </section>
  <section class="panel quality-scoring">
    <h2>{{_('Score')}}{{': ' + _.number(sample.result.total, 1) if sample.result else ''}}</h2>
    % if sample.result:
    <p class="muted small">{{_('Scored by {name} on {date}', name=sample.result.inspector_name, date=_.datetime(sample.result.scored_at))}}</p>
    % end
    % editable = inspects and not (sample.appeal and sample.appeal.state == 'open')
    % if editable:
    <form method="post" action="/quality/samples/{{sample.id}}" class="stacked quality-score-form">
      <input type="hidden" name="csrf" value="{{csrf}}">
    % end
      <table class="quality-score-items">
        <thead><tr><th>{{_('What is checked')}}</th><th>{{_('Score')}}</th></tr></thead>
        <tbody>
        % for item in scoring.items:
          <tr>
            <td>{{item.text}} <span class="muted small">{{_('{share}% of the total', share='%g' % round(scoring.share(item), 1))}}</span></td>
            <td class="quality-score-cell">
            % if editable:
              <input name="score_{{item.id}}" value="{{typed['scores'].get(item.id, '')}}" inputmode="numeric" size="3" aria-label="{{item.text}}"> / {{item.max_score}}
            % else:
              {{sample.result.scores.get(item.id, '—') if sample.result else '—'}} / {{item.max_score}}
            % end
            </td>
          </tr>
        % end
        </tbody>
      </table>
    % if editable:
      <label>{{_('Comment')}} <textarea name="comment" rows="4" maxlength="{{comment_limit}}">{{typed['comment']}}</textarea></label>
      <div class="row">
        <button type="submit">{{_('Save the scores')}}</button>
        % if following:
        <button type="submit" name="then" value="next" class="secondary">{{_('Save and open the next')}}</button>
        % end
      </div>
    </form>
    % elif sample.result and sample.result.comment:
    <p class="multiline">{{sample.result.comment}}</p>
    % elif not sample.result:
    <p class="muted">{{_('Not scored yet.')}}</p>
    % end
  </section>
</div>
% appeal = sample.appeal
% if appeal:
<section class="panel quality-appeal">
  <h2>{{_('Appeal')}} · {{_({'open': 'Open', 'accepted': 'Accepted', 'rejected': 'Rejected'}.get(appeal.state, appeal.state))}}</h2>
  <p class="muted small">{{_('{name} appealed on {date}', name=names.get(appeal.operator_id, ''), date=_.datetime(appeal.made_at))}}</p>
  <p class="multiline">{{appeal.reason}}</p>
  % if appeal.state != 'open':
  <p class="muted small">{{_('Decided by {name} on {date}', name=appeal.decided_by_name, date=_.datetime(appeal.decided_at))}}{{' · ' + _('score {before} → {after}', before=_.number(appeal.total_before, 1), after=_.number(appeal.total_after, 1)) if appeal.total_after != appeal.total_before else ''}}</p>
  <p class="multiline">{{appeal.decision}}</p>
  % end
  % if may_decide:
  <form method="post" action="/quality/samples/{{sample.id}}/decide" class="stacked quality-decide-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p class="hint">{{_('To accept, give the scores it deserves; to reject, the scores stay.')}}</p>
    <table class="quality-score-items">
      <tbody>
      % for item in scoring.items:
        <tr><td>{{item.text}}</td><td class="quality-score-cell"><input name="score_{{item.id}}" value="{{typed['scores'].get(item.id, '')}}" inputmode="numeric" size="3" aria-label="{{item.text}}"> / {{item.max_score}}</td></tr>
      % end
      </tbody>
    </table>
    <label>{{_('Reason')}} <textarea name="decision" rows="3" maxlength="{{reason_limit}}" required>{{typed['decision']}}</textarea></label>
    <div class="row">
      <button type="submit" name="verdict" value="accept">{{_('Accept and score again')}}</button>
      <button type="submit" name="verdict" value="reject" class="secondary">{{_('Reject')}}</button>
    </div>
  </form>
  % end
</section>
% elif may_appeal:
<section class="panel quality-appeal">
  <h2>{{_('Appeal this result')}}</h2>
  <form method="post" action="/quality/samples/{{sample.id}}/appeal" class="stacked quality-appeal-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Why is the score wrong?')}} <textarea name="reason" rows="3" maxlength="{{reason_limit}}" required>{{typed['reason']}}</textarea></label>
    <p class="hint">{{_('A result is appealed once; an inspector or your leader decides.')}}</p>
    <button type="submit">{{_('Send the appeal')}}</button>
  </form>
</section>
% end
