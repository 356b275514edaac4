% rebase('layout.tpl', title=_('New inspection task'), page='quality', styles=['quality.css'])
% include('quality_nav.tpl', current='/quality')
<p class="crumbs"><a href="/quality">{{_('Quality inspection')}}</a></p>
<h1>{{_('New inspection task')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if not templates:
<p>{{_('Make a scoring template first.')}} <a href="/quality/templates/new">{{_('New template')}}</a></p>
% else:
<form method="post" action="/quality/tasks/new" class="stacked quality-task-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
    <label>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{name_limit}}"></label>
    <label>{{_('Template')}}
      <select name="template">
        % for template in templates:
        <option value="{{template.id}}"{{!' selected' if typed['template'] == str(template.id) else ''}}>{{template.name}} · v{{template.version}}</option>
        % end
      </select>
    </label>
    <label>{{_('From')}} <input type="date" name="from" value="{{typed['from']}}"></label>
    <label>{{_('To')}} <input type="date" name="to" value="{{typed['to']}}"></label>
    <label>{{_('Share of the calls (%)')}} <input name="share" value="{{typed['share']}}" inputmode="numeric" size="4"></label>
    <label>{{_('Minimum talk time (seconds)')}} <input name="min_duration" value="{{typed['min_duration']}}" inputmode="numeric" size="6"></label>
  </div>
  <label class="check"><input type="checkbox" name="recorded_only" value="yes"{{!' checked' if typed['recorded_only'] else ''}}> {{_('Only calls with a recording')}}</label>
  <fieldset>
    <legend>{{_('Operators')}}</legend>
    <label>{{_('A whole group')}}
      <select name="group">
        <option value="">—</option>
        % for group in groups:
        <option value="{{group.id}}"{{!' selected' if typed['group'] == str(group.id) else ''}}>{{group.name}}</option>
        % end
      </select>
    </label>
    <p class="hint">{{_('and/or these operators (users with lines):')}}</p>
    <div class="flag-list">
    % for user in operators:
      <label class="check"><input type="checkbox" name="operators" value="{{user.id}}"{{!' checked' if str(user.id) in typed['operators'] else ''}}> {{user.shown_name}} <span class="muted">{{_('Lines')}} {{', '.join(str(line) for line in sorted(user.lines))}}</span></label>
    % end
    </div>
  </fieldset>
  <fieldset>
    <legend>{{_('Inspectors')}}</legend>
    <div class="flag-list">
    % for user in inspectors:
      <label class="check"><input type="checkbox" name="inspectors" value="{{user.id}}"{{!' checked' if str(user.id) in typed['inspectors'] else ''}}> {{user.shown_name}}</label>
    % end
    </div>
  </fieldset>
  % if preview is not None:
  <section class="panel quality-preview" aria-live="polite">
    <h2>{{_('Preview')}}</h2>
    % fitting, sampled = sum(f for f, s in preview.values()), sum(s for f, s in preview.values())
    <p><strong>{{_('The rule samples {sampled} of {fitting} calls.', sampled=_.number(sampled), fitting=_.number(fitting))}}</strong></p>
    <div class="table-wrap">
    <table>
      <thead><tr><th>{{_('Operator')}}</th><th>{{_('Calls that fit')}}</th><th>{{_('Sampled')}}</th></tr></thead>
      <tbody>
      % for user_id, (fit, picked) in sorted(preview.items(), key=lambda pair: names.get(pair[0], '').lower()):
        <tr><td>{{names.get(user_id, '?')}}</td><td>{{_.number(fit)}}</td><td>{{_.number(picked)}}</td></tr>
      % end
      </tbody>
    </table>
    </div>
  </section>
  % end
  <p class="hint">{{_('The calls are sampled when the task is made and kept with it: calls made later do not change it.')}}</p>
  <div class="row">
    <button type="submit" name="action" value="preview" class="secondary">{{_('Preview')}}</button>
    <button type="submit" name="action" value="create">{{_('Make the task')}}</button>
  </div>
</form>
% end
