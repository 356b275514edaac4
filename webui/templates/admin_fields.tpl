% rebase('layout.tpl', title=_('Custom fields'), page='admin', styles=['fields.css'])
% include('admin_nav.tpl', current='/admin')
<p class="crumbs"><a href="/admin">{{_('Settings')}}</a></p>
<h1>{{_('Custom fields')}}</h1>
% notices = {'added': _('The field was added.'), 'saved': _('Saved.'), 'deleted': _('The field was deleted.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<p class="hint">{{_('Fields of your own on customers, contact records and knowledge-base entries. They show on the forms and cards, in the Excel export and import of customers, and those shown in the list can be columns of the customer list.')}}</p>
% for kind, kind_name in kinds.items():
<section class="panel" id="{{kind}}">
  <h2>{{_(kind_name)}}</h2>
  % fields = by_kind[kind]
  % if not fields:
  <p class="muted">{{_('No fields yet.')}}</p>
  % else:
  <div class="table-wrap">
  <table class="stack custom-field-list">
    <thead><tr><th scope="col">{{_('Name')}}</th><th scope="col">{{_('Type')}}</th><th scope="col">{{_('Required')}}</th><th scope="col">{{_('Shown in list')}}</th><th scope="col">{{_('Values')}}</th><th scope="col"></th></tr></thead>
    <tbody>
    % for index, field in enumerate(fields):
      <tr>
        <td><a href="/admin/fields/{{field.id}}">{{field.name}}</a></td>
        <td>{{_(types[field.type])}}</td>
        <td>{{_('Yes') if field.required else _('No')}}</td>
        <td>{{_('Yes') if field.in_list else _('No')}}</td>
        <td>{{_.number(counts.get(field.id, 0))}}</td>
        <td class="c-action">
          <form method="post" action="/admin/fields/{{field.id}}/move" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" name="to" value="up" class="secondary"{{!' disabled' if index == 0 else ''}} aria-label="{{_('Move up')}}">↑</button>
            <button type="submit" name="to" value="down" class="secondary"{{!' disabled' if index == len(fields) - 1 else ''}} aria-label="{{_('Move down')}}">↓</button>
          </form>
          <a class="button secondary danger-text" href="/admin/fields/{{field.id}}/delete">{{_('Delete')}}</a>
        </td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  % end
</section>
% end
<section class="panel" id="new-field">
  <h2>{{_('Add a field')}}</h2>
  % if problem:
  <p class="problem" role="alert">{{problem}}</p>
  % end
  <form method="post" action="/admin/fields" class="stacked" autocomplete="off">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="form-grid">
      <label>{{_('Kind of record')}}
        <select name="kind">
        % for kind, kind_name in kinds.items():
          <option value="{{kind}}"{{!' selected' if typed['kind'] == kind else ''}}>{{_(kind_name)}}</option>
        % end
        </select>
      </label>
      <label>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{name_limit}}" required></label>
      <label>{{_('Type')}}
        <select name="type">
        % for type_, type_name in types.items():
          <option value="{{type_}}"{{!' selected' if typed['type'] == type_ else ''}}>{{_(type_name)}}</option>
        % end
        </select>
      </label>
    </div>
    <label class="check"><input type="checkbox" name="required" value="yes"{{!' checked' if typed['required'] else ''}}> {{_('Required')}}</label>
    <label class="check"><input type="checkbox" name="in_list" value="yes"{{!' checked' if typed['in_list'] else ''}}> {{_('Shown in list')}}</label>
    <p class="hint">{{_("The type cannot change later: the values kept were checked for it. Dates are YYYY-MM-DD; links start with http:// or https://; money is kept to the cent.")}}</p>
    <div class="row"><button type="submit">{{_('Add field')}}</button></div>
  </form>
</section>
