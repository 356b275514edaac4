% title = _('Edit {name}', name=customer.name) if customer else _('Add customer')
% rebase('layout.tpl', title=title, page='customers', scripts=['customers.js'], styles=['fields.css'])
<p class="crumbs"><a href="/customers">{{_('Customers')}}</a>
% if customer:
 › <a href="/customers/{{customer.id}}">{{customer.name}}</a>
% end
</p>
<h1>{{title}}</h1>
% if problems:
<p class="problem" role="alert">{{_('Please correct the fields marked below.')}}</p>
% end
<form method="post" action="{{'/customers/%d/edit' % customer.id if customer else '/customers/new'}}" class="stacked customer-form" novalidate>
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
  % fields = [('name', _('Name'), 'text'), ('company', _('Company'), 'text'), ('category', _('Group'), 'select'), ('grade', _('Level'), 'select'), ('birthday', _('Birthday'), 'date'), ('email', _('Email'), 'email')]
  % for key, label, kind in fields:
    <label{{!' class="has-problem"' if key in problems else ''}}><span class="label-text">{{label}}{{!' <span class="required">*</span>' if key == 'name' else ''}}</span>
    % if kind == 'select':
      <select name="{{key}}">
        <option value="">—</option>
      % for choice in (group_choices if key == 'category' else level_choices):
        <option value="{{choice.value}}"{{!' selected' if choice.selected else ''}}>{{choice.label}}{{' (%s)' % _('not in the list') if choice.unlisted else ''}}</option>
      % end
      </select>
    % else:
      <input type="{{kind}}" name="{{key}}" value="{{typed.get(key, '')}}" maxlength="{{limits[key]}}"{{!' required' if key == 'name' else ''}}{{!' max="%s"' % today if kind == 'date' else ''}}{{!' autocomplete="off"' if key != 'email' else ''}}>
    % end
      % if key in problems:
      <span class="field-problem">{{problems[key]}}</span>
      % end
    </label>
  % end
    <label{{!' class="has-problem"' if 'gender' in problems else ''}}><span class="label-text">{{_('Gender')}}</span>
      <select name="gender">
      % for value, label in (('', _('Not given')), ('male', _('Male')), ('female', _('Female'))):
        <option value="{{value}}"{{!' selected' if typed.get('gender', '') == value else ''}}>{{label}}</option>
      % end
      % if typed.get('gender', '') not in ('', 'male', 'female'):
        <option value="{{typed['gender']}}" selected>{{typed['gender']}}</option>
      % end
      </select>
      % if 'gender' in problems:
      <span class="field-problem">{{problems['gender']}}</span>
      % end
    </label>
  </div>
  % if custom_fields:
  <div class="form-grid custom-fields">
  % include('custom_inputs.tpl', fields=custom_fields, typed=custom_typed, problems=problems)
  </div>
  % end
  <fieldset class="numbers-field">
    <legend>{{_('Phone numbers')}}</legend>
    % if problems.get('numbers'):
    <p class="field-problem">{{problems['numbers']}}</p>
    % end
    <div class="number-rows" data-number-rows>
    % for index, (number, label) in enumerate(rows):
      <div class="number-row{{' has-problem' if ('number-%d' % index) in problems else ''}}" data-number-row>
        <input name="number" value="{{number}}" maxlength="{{number_limit}}" inputmode="tel" aria-label="{{_('Number')}}" placeholder="{{_('Number')}}">
        <select name="label" aria-label="{{_('Phone type')}}">
          <option value="">{{_('Phone type')}}</option>
        % for choice in label_choices(label):
          <option value="{{choice.value}}"{{!' selected' if choice.selected else ''}}>{{choice.label}}{{' (%s)' % _('not in the list') if choice.unlisted else ''}}</option>
        % end
        </select>
        <button type="button" class="link" data-remove-number hidden>{{_('Remove')}}</button>
        % if ('number-%d' % index) in problems:
        <span class="field-problem">{{problems['number-%d' % index]}}</span>
        % end
      </div>
    % end
    </div>
    <button type="button" class="secondary" data-add-number hidden>{{_('Add another number')}}</button>
    <p class="hint">{{_("Numbers are read for this box's country; foreign numbers start with + and the country code.")}}</p>
  </fieldset>
  % for key, label in (('address', _('Address')), ('notes', _('Notes'))):
  <label{{!' class="has-problem"' if key in problems else ''}}>{{label}}
    <textarea name="{{key}}" rows="{{3 if key == 'address' else 5}}" maxlength="{{limits[key]}}">{{typed.get(key, '')}}</textarea>
    % if key in problems:
    <span class="field-problem">{{problems[key]}}</span>
    % end
  </label>
  % end
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="{{'/customers/%d' % customer.id if customer else '/customers'}}">{{_('Cancel')}}</a>
  </div>
</form>
