% rebase('layout.tpl', title=_('Delete {name}', name=field.name), page='admin', main_class='narrow')
<p class="crumbs"><a href="/admin">{{_('Settings')}}</a> › <a href="/admin/fields#{{field.kind}}">{{_('Custom fields')}}</a></p>
<h1>{{_('Delete {name}', name=field.name)}}</h1>
<p>{{_.count(count, 'The field goes, with the value {n} record has in it.', 'The field goes, with the values {n} records have in it.')}}</p>
<p class="muted">{{_('This cannot be undone: export the customers to Excel first to keep the values.')}}</p>
<form method="post" action="/admin/fields/{{field.id}}/delete" class="stacked">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label class="check"><input type="checkbox" name="confirm" value="yes" required> {{_('Yes, delete this field and its values')}}</label>
  <div class="row">
    <button type="submit" class="danger">{{_('Delete')}}</button>
    <a class="button secondary" href="/admin/fields/{{field.id}}">{{_('Cancel')}}</a>
  </div>
</form>
