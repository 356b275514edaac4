% rebase('layout.tpl', title=_('My inspections'), page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality/mine')
<h1>{{_('My inspections')}}</h1>
<p class="muted">{{_('The calls of yours an inspector scored. If a score is wrong, open the call and appeal it once, saying why.')}}</p>
% if not samples:
<p>{{_('None of your calls was scored yet.')}}</p>
% else:
<p>{{_('Your average score: {score}', score=_.number(average, 1))}}</p>
<div class="table-wrap">
<table class="quality-list">
  <thead><tr><th>{{_('Call started')}}</th><th>{{_('Task')}}</th><th>{{_('Score')}}</th><th>{{_('Comment')}}</th><th>{{_('Appeal')}}</th></tr></thead>
  <tbody>
  % for sample in samples:
    <tr>
      <td><a href="/quality/samples/{{sample.id}}">{{_.datetime(sample.started_at)}}</a></td>
      <td>{{task_names.get(sample.task_id, '')}}</td>
      <td>{{_.number(sample.result.total, 1)}}</td>
      <td class="quality-comment">{{sample.result.comment[:200]}}</td>
      <td>
      % if sample.appeal:
        {{_({'open': 'Open', 'accepted': 'Accepted', 'rejected': 'Rejected'}.get(sample.appeal.state, ''))}}
      % else:
        <details class="quality-appeal-inline">
          <summary>{{_('Appeal this result')}}</summary>
          <form method="post" action="/quality/samples/{{sample.id}}/appeal" class="stacked">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label>{{_('Why is the score wrong?')}} <textarea name="reason" rows="3" maxlength="{{reason_limit}}" required></textarea></label>
            <button type="submit">{{_('Send the appeal')}}</button>
          </form>
        </details>
      % end
      </td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
