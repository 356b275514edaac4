% rebase('layout.tpl', title=_('Dialling tasks'), page='tasks')
<div class="page-head">
  <h1>{{_('Dialling tasks')}}</h1>
  % if manages:
  <div class="actions"><a class="button" href="/tasks/new">{{_('New task')}}</a></div>
  % end
</div>
<p class="muted">{{_("The box calls a list of numbers on the lines of a task, inside its calling windows, and tries again by its rules. A person who answers is held for the task's operator, whose screen shows the customer and the call script.")}}</p>
% if not tasks:
<p>{{_('No dialling task yet.')}}</p>
% else:
<div class="table-wrap">
<table class="tasks stack">
  <thead><tr>
    <th>{{_('Task')}}</th><th>{{_('State')}}</th><th>{{_('Done')}}</th><th>{{_('Results')}}</th><th>{{_('Lines')}}</th><th>{{_('Made by')}}</th>
  </tr></thead>
  <tbody>
  % for task in tasks:
  % done = progress[task.id]
    <tr>
      <td class="c-task"><a href="/tasks/{{task.id}}">{{task.name}}</a></td>
      <td class="c-state"><span class="badge task-{{task.state}}">{{_(state_names[task.state])}}</span></td>
      <td class="c-done">
        <progress max="{{done.total or 1}}" value="{{done.done}}"></progress>
        <span class="numeric">{{_('{done} of {total}', done=_.number(done.done), total=_.number(done.total))}}</span>
      </td>
      <td class="c-results wrap">
      % for result, count in done.results:
        <span class="tag result-{{result}}">{{_(result_names[result])}} {{_.number(count)}}</span>
      % end
      </td>
      <td class="c-lines"><span class="phone-label">{{_('Lines')}}: </span>{{', '.join(str(line) for line in task.lines) or '—'}}</td>
      <td class="c-owner">{{task.owner_name}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
