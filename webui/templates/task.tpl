% rebase('layout.tpl', title=task.name, page='tasks')
% settings = task.settings
<p class="crumbs"><a href="/tasks">{{_('Dialling tasks')}}</a></p>
<div class="page-head">
  <h1>{{task.name}} <span class="badge task-{{task.state}}">{{_(state_names[task.state])}}</span></h1>
  % if manages:
  <div class="actions">
    % if task.state in ('draft', 'paused'):
    <form method="post" action="/tasks/{{task.id}}/start" class="inline">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit">{{_('Start the task') if task.state == 'draft' else _('Resume')}}</button>
    </form>
    % elif task.state == 'running':
    <form method="post" action="/tasks/{{task.id}}/pause" class="inline">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit" class="secondary">{{_('Pause')}}</button>
    </form>
    % end
    % if task.state != 'done':
    <a class="button secondary" href="/tasks/{{task.id}}/edit">{{_('Settings')}}</a>
    % end
    <a class="button secondary" href="/tasks/{{task.id}}/results.xlsx" download>{{_('Export to Excel')}}</a>
  </div>
  % end
</div>
% if notice:
<p class="notice" role="status">{{notice}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<section class="panel task-progress">
  <p class="result-bar">
    <progress max="{{progress.total or 1}}" value="{{progress.done}}"></progress>
    <span>{{_('{done} of {total} numbers done', done=_.number(progress.done), total=_.number(progress.total))}}</span>
    <span class="muted">{{_('Waiting')}}: {{_.number(progress.waiting)}} · {{_('Calling now')}}: {{_.number(progress.dialling)}}</span>
  </p>
  % if progress.results:
  <p class="results">
  % for result, count in progress.results:
    <a class="tag result-{{result}}" href="?show={{result}}">{{_(result_names[result])}} {{_.number(count)}}</a>
  % end
  </p>
  % end
</section>
<details class="panel task-settings"{{!' open' if task.state == 'draft' else ''}}>
  <summary>{{_('Settings')}}</summary>
  <dl class="facts">
    <dt>{{_('Lines')}}</dt>
    <dd>{{', '.join(_('Line {n}', n=line) + (' · ' + line_names[line] if line_names.get(line) else '') for line in task.lines) or _('none')}}</dd>
    <dt>{{_('Operators')}}</dt>
    <dd>{{', '.join(users[person].shown_name for person in task.operators if person in users) or _('none')}}</dd>
    <dt>{{_('Calling windows')}}</dt><dd>{{windows_text}}</dd>
    <dt>{{_('Pace')}}</dt>
    <dd>{{_('{lines} lines at once, {gap} s between calls on a line, at most {attempts} attempts per number', lines=settings.max_lines, gap=settings.gap_s, attempts=settings.max_attempts)}}</dd>
    <dt>{{_('A person who answers')}}</dt>
    <dd>{{_('held {n} s for the operator', n=settings.hold_s)}}</dd>
    <dt>{{_('Answering machine')}}</dt>
    <dd>{{_(machine_names[settings.machine])}}{{': ' + prompt_names.get(settings.machine_prompt or '', settings.machine_prompt or '') if settings.machine == 'message' else ''}}</dd>
    <dt>{{_('Try again')}}</dt>
    <dd>
      <ul class="plain">
      % for result in rule_results:
      % if result != 'machine' or settings.machine == 'retry':
      % rule = settings.rule(result)
        <li>{{_(result_names[result])}}: {{_.count(rule.retries, '{n} more try, {m} min later', '{n} more tries, {m} min later', m=rule.after_min) if rule.retries else _('done')}}</li>
      % end
      % end
      </ul>
    </dd>
    <dt>{{_('Made by')}}</dt><dd>{{task.owner_name}} · {{_.datetime(task.created_at)}}</dd>
    % if get('campaign') is not None:
    <dt>{{_('Campaign')}}</dt><dd><a href="/campaigns/{{campaign.id}}">{{campaign.name}}</a></dd>
    % end
  </dl>
  % if task.script:
  <h3>{{_('Call script')}}</h3>
  <p class="multiline script">{{task.script}}</p>
  % end
</details>
% if manages and task.state != 'done':
<section class="panel add-numbers">
  <h2>{{_('Add numbers')}}</h2>
  % if ctx.can('customers_view'):
  <form method="post" action="/tasks/{{task.id}}/customers" class="row search-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Customer group')}}
      <select name="group">
        <option value="">{{_('Any')}}</option>
        % for group in groups:
        <option value="{{group}}">{{group}}</option>
        % end
      </select>
    </label>
    <label>{{_('Search customers')}} <input name="q" maxlength="100"></label>
    <button type="submit">{{_('Add their numbers')}}</button>
  </form>
  <p class="hint">{{_('Each customer you see in the group or the search gives their first number.')}}</p>
  % end
  <p><a class="button secondary" href="/tasks/{{task.id}}/import">{{_('Import numbers from Excel or CSV')}}</a></p>
</section>
% end
<h2 id="numbers">{{_('Numbers')}}</h2>
<nav class="subnav" aria-label="{{_('Show')}}">
  <a href="?show=#numbers"{{!' aria-current="page"' if not show else ''}}>{{_('All')}}</a>
  % for state, label in number_states.items():
  <a href="?show={{state}}#numbers"{{!' aria-current="page"' if show == state else ''}}>{{_(label)}}</a>
  % end
  % for result, count in progress.results:
  <a href="?show={{result}}#numbers"{{!' aria-current="page"' if show == result else ''}}>{{_(result_names[result])}}</a>
  % end
</nav>
% if not numbers:
<p class="muted">{{_('No numbers here.')}}</p>
% else:
<div class="table-wrap">
<table class="task-numbers stack">
  <thead><tr><th>{{_('Number')}}</th><th>{{_('Name')}}</th><th>{{_('Result')}}</th><th>{{_('Attempts')}}</th></tr></thead>
  <tbody>
  % for number in numbers:
  % tried = attempts[number.id]
  % customer = customers.get(number.customer_id)
    <tr class="number-{{number.state}}">
      <td class="c-number"><span class="number">{{number.number}}</span>
      % if customer:
        <a href="/customers/{{customer.id}}">{{_('Customer card')}}</a>
      % end
      </td>
      <td class="c-name wrap">{{number.name}}{{!'<span class="muted small note">' if number.note else ''}}{{number.note}}{{!'</span>' if number.note else ''}}</td>
      <td class="c-result wrap">
      % if number.state == 'done':
        <span class="result-{{number.result}}">{{_(result_names.get(number.result, number.result))}}</span>
        % if number.blocked_by:
        <span class="muted small">· {{blocked_text(_, number.blocked_by)}}</span>
        % end
      % elif number.state == 'dialling':
        <strong>{{_('Calling now')}}</strong>
      % else:
        {{_('Waiting')}}
        % if number.last_result:
        <span class="muted small">· {{_(result_names.get(number.last_result, number.last_result))}}, {{_('again from {time}', time=_.datetime(number.due_at))}}</span>
        % end
      % end
      </td>
      <td class="c-attempts">
      % if tried:
        <details>
          <summary>{{_.count(number.attempts, '{n} attempt', '{n} attempts')}}</summary>
          <ol class="attempts">
          % for attempt in tried:
            <li>{{_.datetime(attempt.started_at, seconds=True)}} · {{_('Line {n}', n=attempt.line)}} ·
              {{_(result_names[attempt.result]) if attempt.result in result_names else _('Calling now')}}
              % if attempt.decided_s is not None:
              <span class="muted">({{_('decided in {n} s', n=_.number(attempt.decided_s, 1))}})</span>
              % end
              % if attempt.message_left:
              <span class="muted">· {{_('message left')}}</span>
              % end
              % if attempt.call_id:
              · <a href="/calls/{{attempt.call_id}}">{{_('call {id}', id=attempt.call_id)}}</a>
              % end
              % if attempt.detail and attempt.result != 'blocked':
              <span class="muted small">· {{attempt.detail}}</span>
              % end
            </li>
          % end
          </ol>
        </details>
      % else:
        <span class="muted">—</span>
      % end
      </td>
    </tr>
  % end
  </tbody>
</table>
</div>
<nav class="pager" aria-label="{{_('Pages')}}">
  % if page > 1:
  <a class="button secondary" rel="prev" href="?{{query(page=page - 1)}}#numbers">← {{_('Previous')}}</a>
  % end
  <span class="muted">{{_('Page {n}', n=page)}} · {{_.count(shown, '{n} number', '{n} numbers')}}</span>
  % if more:
  <a class="button secondary" rel="next" href="?{{query(page=page + 1)}}#numbers">{{_('Next')}} →</a>
  % end
</nav>
% end
