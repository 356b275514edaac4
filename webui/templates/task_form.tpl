% rebase('layout.tpl', title=_('Dialling task') if task is None else task.name, page='tasks')
% days = {'mon': _('Mon'), 'tue': _('Tue'), 'wed': _('Wed'), 'thu': _('Thu'), 'fri': _('Fri'), 'sat': _('Sat'), 'sun': _('Sun')}
<p class="crumbs"><a href="/tasks">{{_('Dialling tasks')}}</a>
% if task is not None:
 · <a href="/tasks/{{task.id}}">{{task.name}}</a>
% end
</p>
<h1>{{_('New dialling task') if task is None else _('Task settings')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="{{'/tasks/new' if task is None else '/tasks/%d/edit' % task.id}}" class="stacked settings-form task-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Task name')}} <input name="name" value="{{typed['name']}}" required maxlength="{{limits['name']}}"></label>
  <label>{{_('Call script')}}
    <textarea name="script" rows="6" maxlength="{{limits['script']}}">{{typed['script']}}</textarea>
    <span class="hint">{{_('What the operator says: shown on their screen with the customer when a person answers.')}}</span>
  </label>
  <fieldset>
    <legend>{{_('Lines')}}</legend>
    <div class="line-list">
    % for line in lines:
      <label class="check"><input type="checkbox" name="line" value="{{line.number}}"{{!' checked' if line.number in typed['lines'] else ''}}> {{_('Line {n}', n=line.number)}}{{' · ' + line.given_name if line.given_name else ''}}</label>
    % end
    </div>
  </fieldset>
  <fieldset>
    <legend>{{_('Operators')}}</legend>
    <p class="hint">{{_("They see the task, and when a person answers on one of their lines, their screen shows the customer and the call script: they pick up the line's phone to take the call.")}}</p>
    <div class="flag-list">
    % for person in users:
      <label class="check"><input type="checkbox" name="operator" value="{{person.id}}"{{!' checked' if person.id in typed['operators'] else ''}}> {{person.shown_name}}{{' (' + ', '.join(str(n) for n in sorted(person.lines)) + ')' if person.lines else ''}}</label>
    % end
    </div>
  </fieldset>
  <fieldset>
    <legend>{{_('Calling windows')}}</legend>
    <p class="hint">{{_("The box starts calls only inside these weekly windows, in the box's local time. Leave a row empty to remove it.")}}</p>
    % for index, window in enumerate(windows):
    <div class="window-row">
      <div class="days">
      % for day in weekdays:
      <label class="check"><input type="checkbox" name="window-{{index}}-days" value="{{day}}"{{!' checked' if day in window['days'] else ''}}> {{days[day]}}</label>
      % end
      </div>
      <label>{{_('From')}} <input type="time" name="window-{{index}}-start" value="{{window['start']}}"></label>
      <label>{{_('To')}} <input type="time" name="window-{{index}}-end" value="{{window['end']}}"></label>
    </div>
    % end
  </fieldset>
  <fieldset>
    <legend>{{_('Pace')}}</legend>
    <div class="form-grid">
      <label>{{_('Lines at once')}} <input type="number" name="max_lines" min="1" max="{{limits['max_lines']}}" value="{{typed['max_lines']}}"></label>
      <label>{{_('Gap between calls on a line (seconds)')}} <input type="number" name="gap_s" min="0" max="{{limits['gap_s']}}" value="{{typed['gap_s']}}"></label>
      <label>{{_('Attempts per number, at most')}} <input type="number" name="max_attempts" min="1" max="{{limits['max_attempts']}}" value="{{typed['max_attempts']}}"></label>
      <label>{{_('Hold a person for the operator (seconds)')}} <input type="number" name="hold_s" min="{{limits['hold_low']}}" max="{{limits['hold_high']}}" value="{{typed['hold_s']}}"></label>
    </div>
  </fieldset>
  <fieldset>
    <legend>{{_('Answering machine')}}</legend>
    <div class="form-grid">
      <label>{{_('When a machine answers')}}
        <select name="machine">
        % for action in machine_actions:
          <option value="{{action}}"{{!' selected' if typed['machine'] == action else ''}}>{{_(machine_names[action])}}</option>
        % end
        </select>
      </label>
      <label>{{_('Message left')}}
        <select name="prompt">
          <option value="">{{_('Choose a prompt')}}</option>
          % for prompt in ctx.deps.prompts.prompts():
          <option value="{{prompt.id}}"{{!' selected' if typed['prompt'] in (str(prompt.id), prompt.key) else ''}}>{{prompt.name}}</option>
          % end
        </select>
      </label>
    </div>
  </fieldset>
  <fieldset>
    <legend>{{_('Try again')}}</legend>
    <p class="hint">{{_('After each result: how many more tries at most (0: the number is done), and how many minutes later.')}}</p>
    <div class="table-wrap">
    <table class="rules">
      <thead><tr><th>{{_('Result')}}</th><th>{{_('More tries')}}</th><th>{{_('After (minutes)')}}</th></tr></thead>
      <tbody>
      % for result in rule_results:
        <tr>
          <td class="wrap">{{_(result_names[result])}}</td>
          <td><input type="number" class="short" name="rule-{{result}}-retries" min="0" max="10" value="{{typed['rules'][result]['retries']}}" aria-label="{{_('More tries')}}"></td>
          <td><input type="number" class="short" name="rule-{{result}}-after" min="0" max="10080" value="{{typed['rules'][result]['after_min']}}" aria-label="{{_('After (minutes)')}}"></td>
        </tr>
      % end
      </tbody>
    </table>
    </div>
  </fieldset>
  <div class="row"><button type="submit">{{_('Save')}}</button></div>
</form>
