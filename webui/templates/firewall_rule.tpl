% rebase('layout.tpl', title=_('Firewall rule'), page='firewall')
<p class="crumbs"><a href="/firewall#rules">{{_('Call firewall')}}</a></p>
<h1>{{_('Firewall rule') if rule_id is None else _('Firewall rule {n}', n=rule_id)}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% days = {'mon': _('Mon'), 'tue': _('Tue'), 'wed': _('Wed'), 'thu': _('Thu'), 'fri': _('Fri'), 'sat': _('Sat'), 'sun': _('Sun')}
<form method="post" action="{{'/firewall/rules' if rule_id is None else '/firewall/rules/%d' % rule_id}}" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Kind')}}
    <select name="kind">
    % for value, label in kinds.items():
      <option value="{{value}}"{{!' selected' if typed['kind'] == value else ''}}>{{_(label)}}</option>
    % end
    </select>
  </label>
  <fieldset>
    <legend>{{_('By prefix')}}</legend>
    <label>{{_('Numbers starting with')}} <input name="prefix" value="{{typed['prefix']}}" maxlength="17" inputmode="tel" placeholder="0898"></label>
  </fieldset>
  <fieldset>
    <legend>{{_('Withheld number')}}</legend>
    % for value, label in reasons.items():
    <label class="check"><input type="checkbox" name="reason" value="{{value}}"{{!' checked' if value in typed['reasons'] else ''}}> {{_(label)}}</label>
    % end
  </fieldset>
  <fieldset>
    <legend>{{_('By location')}}</legend>
    <label>{{_('Province')}} <input name="province" value="{{typed['province']}}" maxlength="40" placeholder="广东"></label>
    <label>{{_('City')}} <input name="city" value="{{typed['city']}}" maxlength="40" placeholder="深圳"></label>
    <span class="hint">{{_('As the number-location data names them, in Chinese or English; either or both.')}}</span>
  </fieldset>
  <fieldset>
    <legend>{{_('By time of day')}}</legend>
    <p class="hint">{{_('Every caller but the red-listed is blocked inside these weekly windows. An end before the start runs past midnight. Leave a row empty to remove it.')}}</p>
    % for index, window in enumerate(windows):
    <div class="window-row">
      % for day in weekdays:
      <label class="check"><input type="checkbox" name="window-{{index}}-days" value="{{day}}"{{!' checked' if day in window['days'] else ''}}> {{days[day]}}</label>
      % end
      <label>{{_('From')}} <input type="time" name="window-{{index}}-start" value="{{window['start']}}"></label>
      <label>{{_('To')}} <input type="time" name="window-{{index}}-end" value="{{window['end']}}"></label>
    </div>
    % end
  </fieldset>
  <label>{{_('Action')}}
    <select name="action">
    % for value, label in action_names.items():
      <option value="{{value}}"{{!' selected' if typed['action'] == value else ''}}>{{_(label)}}</option>
    % end
    </select>
  </label>
  <label>{{_('Message prompt')}}
  % include('prompt_select.tpl', typed=typed)
  </label>
  <label>{{_('Note')}} <input name="note" value="{{typed['note']}}" maxlength="200"></label>
  <label class="check"><input type="checkbox" name="enabled" value="yes"{{!' checked' if typed['enabled'] else ''}}> {{_('Enabled')}}</label>
  <div class="row"><button type="submit">{{_('Save')}}</button></div>
</form>
% if rule_id is not None:
<form method="post" action="/firewall/rules/{{rule_id}}/delete" class="row" data-confirm="{{_('Remove this rule?')}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Remove the rule')}}</button>
</form>
% end
