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
      <td>{{_({'open': 'Open', 'accepted': 'Accepted', 'rejected': 'Rejected'}.get(sample.appeal.state, '')) if sample.appeal else ''}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
