% rebase('layout.tpl', title=task.name, page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality')
<p class="crumbs"><a href="/quality">{{_('Quality inspection')}}</a></p>
<h1>{{task.name}}</h1>
% if notice == 'created':
<p class="notice" role="status">{{_('The task was made.')}}</p>
% end
<dl class="facts">
  <dt>{{_('Template')}}</dt><dd><a href="/quality/templates/{{task.template_id}}">{{task.template_name}} · v{{task.template_version}}</a></dd>
  <dt>{{_('Days')}}</dt><dd>{{task.day_from}} – {{task.day_to}}</dd>
  <dt>{{_('Rule')}}</dt><dd>{{_('{share}% of the calls', share=task.share)}}{{' · ' + _('at least {n} s of talk', n=task.min_duration_s) if task.min_duration_s else ''}}{{' · ' + _('Only calls with a recording') if task.recorded_only else ''}}</dd>
  <dt>{{_('Operators')}}</dt><dd>{{', '.join(names.get(user_id, '?') for user_id in task.operator_ids)}}</dd>
  <dt>{{_('Inspectors')}}</dt><dd>{{', '.join(names.get(user_id, '?') for user_id in task.inspector_ids)}}</dd>
  <dt>{{_('Scored')}}</dt><dd>{{_('{done} of {total}', done=_.number(task.scored), total=_.number(task.samples))}}</dd>
</dl>
% if not samples:
<p>{{_('The rule sampled no call.')}}</p>
% else:
% first = next((s for s in samples if s.result is None), samples[0])
% if inspects:
<p><a class="button" href="/quality/samples/{{first.id}}">{{_('Start scoring') if first.result is None else _('Open the first call')}}</a></p>
% end
<div class="table-wrap">
<table class="quality-samples">
  <thead><tr><th>#</th><th>{{_('Call started')}}</th><th>{{_('Operator')}}</th><th>{{_('Line')}}</th><th>{{_('Talk time')}}</th><th>{{_('Score')}}</th><th>{{_('Appeal')}}</th></tr></thead>
  <tbody>
  % for sample in samples:
    <tr>
      <td>{{sample.position}}</td>
      <td><a href="/quality/samples/{{sample.id}}">{{_.datetime(sample.started_at)}}</a></td>
      <td>{{sample.operator_name}}</td>
      <td>{{sample.line}}</td>
      <td>{{_.duration(sample.duration_s)}}</td>
      <td>{{_.number(sample.result.total, 1) if sample.result else '—'}}</td>
      <td>{{_({'open': 'Open', 'accepted': 'Accepted', 'rejected': 'Rejected'}.get(sample.appeal.state, '')) if sample.appeal else ''}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
