% rebase('layout.tpl', title=field.name, page='admin', main_class='narrow')
<p class="crumbs"><a href="/admin">{{_('Settings')}}</a> › <a href="/admin/fields#{{field.kind}}">{{_('Custom fields')}}</a></p>
<h1>{{field.name}}</h1>
<p class="muted">{{_(kinds[field.kind])}} · {{_(types[field.type])}} · {{_.count(count, '{n} record has a value', '{n} records have a value')}}</p>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="/admin/fields/{{field.id}}" class="stacked" autocomplete="off">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{name_limit}}" required></label>
  <label class="check"><input type="checkbox" name="required" value="yes"{{!' checked' if typed['required'] else ''}}> {{_('Required')}}</label>
  <label class="check"><input type="checkbox" name="in_list" value="yes"{{!' checked' if typed['in_list'] else ''}}> {{_('Shown in list')}}</label>
  <p class="hint">{{_('A required field is asked for when a record is saved; records saved before keep their empty value until then.')}}</p>
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="/admin/fields#{{field.kind}}">{{_('Cancel')}}</a>
    <a class="button secondary danger-text" href="/admin/fields/{{field.id}}/delete">{{_('Delete')}}</a>
  </div>
</form>
