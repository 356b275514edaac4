<details class="filters"{{!' open' if form.active or form.problems else ''}}>
  <summary>{{_('Search')}}</summary>
  <form method="get" action="{{action}}" class="row search-form">
    <label>{{_('From')}} <input type="date" name="from" value="{{form.values.get('from', '')}}"></label>
    <label>{{_('To')}} <input type="date" name="to" value="{{form.values.get('to', '')}}"></label>
    <label>{{_('Line')}}
      <select name="line">
        <option value="">{{_('All lines')}}</option>
        % for number, name in lines:
        <option value="{{number}}"{{!' selected' if number in form.lines else ''}}>{{_('Line {n}', n=number)}}{{' · ' + name if name else ''}}</option>
        % end
      </select>
    </label>
    <label>{{_('Direction')}}
      <select name="direction">
        <option value="">{{_('Both')}}</option>
        <option value="in"{{!' selected' if form.values.get('direction') == 'in' else ''}}>{{_('Incoming')}}</option>
        <option value="out"{{!' selected' if form.values.get('direction') == 'out' else ''}}>{{_('Outgoing')}}</option>
      </select>
    </label>
    <label>{{_('Outcome')}}
      <select name="outcome">
        <option value="">{{_('Any')}}</option>
        % for value, label in outcomes.items():
        <option value="{{value}}"{{!' selected' if form.values.get('outcome') == value else ''}}>{{_(label)}}</option>
        % end
      </select>
    </label>
    % if get('blocked_rules'):
    <label>{{_('Blocked by')}}
      <select name="blocked">
        <option value="">{{_('Any')}}</option>
        % for key, label in blocked_rules:
        <option value="{{key}}"{{!' selected' if form.values.get('blocked') == key else ''}}>{{label}}</option>
        % end
      </select>
    </label>
    % end
    <label>{{_('Number')}} <input name="number" inputmode="tel" maxlength="64" value="{{form.values.get('number', '')}}" placeholder="{{_('part of a number')}}"></label>
    <label>{{_('Match')}}
      <select name="match">
        <option value="part">{{_('contains')}}</option>
        <option value="prefix"{{!' selected' if form.values.get('match') == 'prefix' else ''}}>{{_('starts with')}}</option>
      </select>
    </label>
    % if ctx.can('customers_view'):
    <label>{{_('Customer')}} <input name="customer" maxlength="64" value="{{form.values.get('customer', '')}}" placeholder="{{_('part of a name')}}"></label>
    % end
    % if get('with_call_note', False):
    <label>{{_('Note')}} <input name="note" maxlength="64" value="{{form.values.get('note', '')}}" placeholder="{{_('a word of the note')}}"></label>
    % end
    <label>{{_('Shortest (s)')}} <input name="min_s" type="number" min="0" step="1" class="short" value="{{form.values.get('min_s', '')}}"></label>
    <label>{{_('Longest (s)')}} <input name="max_s" type="number" min="0" step="1" class="short" value="{{form.values.get('max_s', '')}}"></label>
    % if get('with_recorded', True):
    <label>{{_('Recording')}}
      <select name="recorded">
        <option value="">{{_('Any')}}</option>
        <option value="yes"{{!' selected' if form.values.get('recorded') == 'yes' else ''}}>{{_('Recorded')}}</option>
        <option value="no"{{!' selected' if form.values.get('recorded') == 'no' else ''}}>{{_('Not recorded')}}</option>
      </select>
    </label>
    % end
    % if get('with_notes', False):
    <label>{{_('Tags')}} <input name="tags" maxlength="200" value="{{form.values.get('tags', '')}}" list="known-tags" placeholder="{{_('comma between tags')}}"></label>
    <label>{{_('Notes')}} <input name="notes" maxlength="200" value="{{form.values.get('notes', '')}}"></label>
    % end
    <input type="hidden" name="sort" value="{{form.sort}}">
    <input type="hidden" name="order" value="{{'desc' if form.descending else 'asc'}}">
    <span class="form-buttons">
      <button type="submit">{{_('Search')}}</button>
      <a class="button secondary" href="{{action}}">{{_('Clear')}}</a>
    </span>
  </form>
</details>
% for problem in form.problems:
<p class="problem" role="alert">{{problem}}</p>
% end
