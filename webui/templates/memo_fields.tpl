  <div class="form-grid">
    <label class="memo-subject">{{_('Topic')}} <input name="subject" value="{{typed['subject']}}" required maxlength="{{subject_limit}}"></label>
    <label>{{_('Time')}} <input type="datetime-local" name="at" value="{{typed['at']}}" required></label>
    <label>{{_('Place')}} <input name="place" value="{{typed['place']}}" maxlength="{{place_limit}}"></label>
    <label>{{_('Importance')}}
      <select name="importance">
      % for key, label in importances.items():
        <option value="{{key}}"{{!' selected' if key == typed['importance'] else ''}}>{{label}}</option>
      % end
      </select>
    </label>
    <label>{{_('Remind me')}}
      <select name="remind_before_min">
      % for minutes, label in remind.items():
        <option value="{{minutes}}"{{!' selected' if str(minutes) == typed['remind_before_min'] else ''}}>{{label}}</option>
      % end
      </select>
    </label>
    % if ctx.can('customers_view'):
    <label>{{_('Customer')}}
      <select name="customer">
        <option value="">{{_('None')}}</option>
      % for customer in customers:
        <option value="{{customer.id}}"{{!' selected' if str(customer.id) == typed['customer'] else ''}}>{{customer.name}}{{' · ' + customer.company if customer.company else ''}}</option>
      % end
      </select>
    </label>
    % end
  </div>
  <label class="check"><input type="checkbox" name="shared" value="yes"{{!' checked' if typed['shared'] else ''}}> {{_('Shared with my group (they read it; only I change it)')}}</label>
  <label class="check"><input type="checkbox" name="done" value="yes"{{!' checked' if typed['done'] else ''}}> {{_('Done')}}</label>
