% rebase('layout.tpl', title=_('Groups'), page='admin')
% include('admin_nav.tpl', current='/admin/groups')
<h1>{{_('Groups')}}</h1>
% notices = {'added': _('The group was added.'), 'saved': _('Saved.'), 'deleted': _('The group was deleted; its members are in no group now.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<p class="muted">{{_('A group leader sees the customers and contact records that the users of their group added, and the calls of their lines.')}}</p>
% if groups:
<div class="table-wrap">
<table class="groups">
  <thead><tr><th>{{_('Name')}}</th><th>{{_('Members')}}</th><th></th></tr></thead>
  <tbody>
  % for group in groups:
  <tr>
    <td>
      <form method="post" action="/admin/groups/{{group.id}}" class="row">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input name="name" value="{{group.name}}" required maxlength="60" aria-label="{{_('Name')}}">
        <button type="submit" class="secondary">{{_('Rename')}}</button>
      </form>
    </td>
    <td>{{group.members}}</td>
    <td>
      <details class="contact-delete">
        <summary>{{_('Delete')}}</summary>
        <form method="post" action="/admin/groups/{{group.id}}/delete" class="row" data-confirm="{{_('Delete the group {name}?', name=group.name)}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label class="check"><input type="checkbox" name="confirm" value="yes" required> {{_('Yes, delete this group')}}</label>
          <button type="submit" class="danger">{{_('Delete')}}</button>
        </form>
      </details>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p>{{_('No groups yet.')}}</p>
% end
<h2>{{_('Add a group')}}</h2>
<form method="post" action="/admin/groups" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Name')}} <input name="name" required maxlength="60"></label>
  <button type="submit">{{_('Add')}}</button>
</form>
