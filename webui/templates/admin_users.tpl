% rebase('layout.tpl', title=_('Users'), page='admin')
% include('admin_nav.tpl', current='/admin/users')
<div class="page-head">
  <h1>{{_('Users')}}</h1>
  <div class="actions"><a class="button" href="/admin/users/new">{{_('Add user')}}</a></div>
</div>
% if notice == 'added':
<p class="notice" role="status">{{_('The user {name} was added.', name=name)}}</p>
% elif notice == 'deleted':
<p class="notice" role="status">{{_('The user was deleted.')}}</p>
% end
<div class="table-wrap">
<table class="users">
  <thead><tr>
    <th>{{_('User name')}}</th><th>{{_('Display name')}}</th><th>{{_('Level')}}</th><th>{{_('Group')}}</th>
    <th>{{_('Lines')}}</th><th>{{_('Permissions')}}</th><th>{{_('Language')}}</th><th>{{_('Status')}}</th>
  </tr></thead>
  <tbody>
  % for person in users:
  <tr{{!' class="inactive"' if not person.active else ''}}>
    <td><a href="/admin/users/{{person.id}}">{{person.username}}</a>{{!' <span class="badge">' + _('you') + '</span>' if person.id == user.id else ''}}</td>
    <td>{{person.display_name}}</td>
    <td>{{levels[person.level]}}</td>
    <td>{{person.group_name or '—'}}</td>
    <td>{{', '.join(str(n) for n in sorted(person.lines)) or '—'}}</td>
    <td>{{_('all') if person.level == 'super' else len(person.permissions)}}</td>
    <td>{{'中文' if person.language == 'zh-CN' else 'English'}}</td>
    <td>{{_('Active') if person.active else _('Deactivated')}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
