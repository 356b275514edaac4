% # The inputs of a record's custom fields: fields, typed (key -> text), problems (key -> text).
% for field in fields:
  % key = field.key
  % value = typed.get(key, '')
  <label class="{{'has-problem' if key in problems else ''}}{{' custom-memo' if field.type == 'memo' else ''}}"><span class="label-text">{{field.name}}{{!' <span class="required">*</span>' if field.required else ''}}</span>
  % if field.type == 'memo':
    <textarea name="{{key}}" rows="4" maxlength="4000">{{value}}</textarea>
  % elif field.type == 'yesno':
    <select name="{{key}}">
      <option value="">—</option>
      <option value="yes"{{!' selected' if value == 'yes' else ''}}>{{_('Yes')}}</option>
      <option value="no"{{!' selected' if value == 'no' else ''}}>{{_('No')}}</option>
      % if value not in ('', 'yes', 'no'):
      <option value="{{value}}" selected>{{value}}</option>
      % end
    </select>
  % else:
    % kinds = {'text': 'text', 'number': 'text', 'money': 'text', 'date': 'date', 'link': 'url'}
    % limit = {'text': 200, 'link': 2000, 'date': 10}.get(field.type, 40)
    <input type="{{kinds[field.type]}}" name="{{key}}" value="{{value}}" maxlength="{{limit}}"{{!' inputmode="decimal"' if field.type in ('number', 'money') else ''}}{{!' placeholder="https://"' if field.type == 'link' else ''}}{{!' placeholder="0.00"' if field.type == 'money' else ''}} autocomplete="off">
  % end
  % if key in problems:
    <span class="field-problem">{{problems[key]}}</span>
  % end
  </label>
% end
