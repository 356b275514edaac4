% rebase('layout.tpl', title=_('Scoring templates'), page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality/templates')
<div class="page-head">
  <h1>{{_('Scoring templates')}}</h1>
  <div class="actions"><a class="button" href="/quality/templates/new">{{_('New template')}}</a></div>
</div>
<p class="muted">{{_("Each item has a weight; the items' weights make the total of 100. A template a task uses is not changed: saving a change makes its next version, and the tasks made with it keep theirs.")}}</p>
% if notice == 'retired':
<p class="notice" role="status">{{_('The template was retired: no new task uses it.')}}</p>
% end
% if not templates:
<p>{{_('No template yet.')}}</p>
% else:
<div class="table-wrap">
<table>
  <thead><tr><th>{{_('Template')}}</th><th>{{_('Version')}}</th><th>{{_('Items')}}</th><th>{{_('Tasks')}}</th><th>{{_('State')}}</th></tr></thead>
  <tbody>
  % for template in templates:
    <tr>
      <td><a href="/quality/templates/{{template.id}}">{{template.name}}</a></td>
      <td>v{{template.version}}</td>
      <td>{{len(template.items)}}</td>
      <td>{{template.tasks}}</td>
      <td>
      % if template.retired_at:
        <span class="badge">{{_('Retired')}}</span>
      % else:
        <span class="badge quality-current">{{_('In use')}}</span>
      % end
      </td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
