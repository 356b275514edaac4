% if with_list:
<label>{{_('List')}}
  <select name="list">
  % for value, label in list_names.items():
    <option value="{{value}}"{{!' selected' if typed['list'] == value else ''}}>{{_(label)}}</option>
  % end
  </select>
</label>
<label>{{_('Number')}} <input name="number" value="{{typed['number']}}" required maxlength="40" inputmode="tel"></label>
% end
<label>{{_('Note')}} <input name="note" value="{{typed['note']}}" maxlength="200"></label>
<label>{{_('Action (black list)')}}
  <select name="action">
  % for value, label in action_names.items():
    <option value="{{value}}"{{!' selected' if typed['action'] == value else ''}}>{{_(label)}}</option>
  % end
  </select>
</label>
<label>{{_('Message prompt')}}
  % include('prompt_select.tpl', typed=typed)
  <span class="hint">{{_('The prompt the box answers with, for Answer with a message.')}}</span></label>
<label>{{_('Expires')}} <input type="date" name="expires" value="{{typed['expires']}}">
  <span class="hint">{{_('The last day the entry counts; empty: never.')}}</span></label>
