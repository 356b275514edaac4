% rebase('layout.tpl', title=_('Delete {name}', name=target.username), page='admin', main_class='narrow')
<h1>{{_('Delete {name}', name=target.username)}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
<p><a href="/admin/users/{{target.id}}">{{_('Back')}}</a></p>
% else:
<p>{{_('The account is removed and its sessions end. Customers, contact records and audit entries it made stay, without its name as their owner.')}}</p>
<p class="muted">{{_('To keep the name on its records, deactivate the account instead.')}}</p>
<form method="post" action="/admin/users/{{target.id}}/delete" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Delete')}}</button>
  <a class="button secondary" href="/admin/users/{{target.id}}">{{_('Cancel')}}</a>
</form>
% end
