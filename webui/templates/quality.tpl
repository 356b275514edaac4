% rebase('layout.tpl', title=_('Quality inspection'), page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality')
<div class="page-head">
  <h1>{{_('Quality inspection')}}</h1>
  <div class="actions"><a class="button" href="/quality/tasks/new">{{_('New task')}}</a></div>
</div>
<p class="muted">{{_("A task samples calls of chosen operators by its rule when it is made; its inspectors listen to each sampled call and score it on the task's template. Operators read their results and may appeal them.")}}</p>
% if notice == 'created':
<p class="notice" role="status">{{_('The task was made.')}}</p>
% end
% if appeals:
<section class="panel">
  <h2>{{_('Appeals waiting for a decision')}}</h2>
  <ul class="plain">
  % for appeal, sample in appeals:
    <li><a href="/quality/samples/{{sample.id}}">{{sample.operator_name}} · {{_.datetime(sample.started_at)}}</a> <span class="muted">{{appeal.reason[:120]}}</span></li>
  % end
  </ul>
</section>
% end
% for heading, tasks in ((_('Tasks I inspect'), mine), (_('Other tasks'), others)):
% if tasks or heading == _('Tasks I inspect'):
<h2>{{heading}}</h2>
% if not tasks:
<p>{{_('No task yet.')}}</p>
% else:
<div class="table-wrap">
<table class="quality-tasks">
  <thead><tr><th>{{_('Task')}}</th><th>{{_('Days')}}</th><th>{{_('Template')}}</th><th>{{_('Scored')}}</th><th>{{_('Inspectors')}}</th></tr></thead>
  <tbody>
  % for task in tasks:
    <tr>
      <td><a href="/quality/tasks/{{task.id}}">{{task.name}}</a></td>
      <td>{{task.day_from}} – {{task.day_to}}</td>
      <td>{{task.template_name}} · v{{task.template_version}}</td>
      <td><progress max="{{task.samples or 1}}" value="{{task.scored}}"></progress> {{_('{done} of {total}', done=_.number(task.scored), total=_.number(task.samples))}}</td>
      <td>{{', '.join(names.get(user_id, '?') for user_id in task.inspector_ids)}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
% end
% end
