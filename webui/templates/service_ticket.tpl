% rebase('layout.tpl', title=_('Ticket {n}', n=ticket.id), page='service', styles=['service.css'])
% late = ticket.overdue(now)
<p class="crumbs"><a href="/service">{{_('Service')}}</a></p>
<div class="page-head">
  <h1>#{{ticket.id}} {{ticket.subject}}</h1>
  <span class="badge ticket-{{ticket.state}}">{{_(state_names[ticket.state])}}</span>
  % if late:
  <strong class="overdue-mark">{{_('Overdue')}}</strong>
  % end
</div>
% if notice:
<p class="notice" role="status">{{notice}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<dl class="facts">
  <dt>{{_('Customer')}}</dt><dd>
  % if ctx.can('customers_view'):
  <a href="/customers/{{ticket.customer_id}}">{{ticket.customer_name}}</a>
  % else:
  {{ticket.customer_name}}
  % end
  </dd>
  % if call_seen:
  <dt>{{_('Call')}}</dt><dd><a href="/calls/{{ticket.call_id}}">{{_('The call')}}</a></dd>
  % end
  <dt>{{_('Kind')}}</dt><dd>{{_(kind_names[ticket.kind])}}</dd>
  <dt>{{_('Priority')}}</dt><dd><span class="tag priority-{{ticket.priority}}">{{_(priority_names[ticket.priority])}}</span></dd>
  <dt>{{_('Queue')}}</dt><dd>{{ticket.group_name or '—'}}</dd>
  <dt>{{_('Handled by')}}</dt><dd>{{ticket.assignee_name or '—'}}</dd>
  <dt>{{_('Due')}}</dt><dd class="{{'overdue-text' if late else ''}}">{{_.datetime(ticket.due_at) if ticket.due_at else '—'}}</dd>
  <dt>{{_('Opened')}}</dt><dd>{{_.datetime(ticket.created_at)}} · {{ticket.opened_by_name or '—'}}</dd>
  % if ticket.result:
  <dt>{{_('Result')}}</dt><dd class="multiline">{{ticket.result}}</dd>
  % end
</dl>
% if ticket.text:
<p class="multiline ticket-text">{{ticket.text}}</p>
% end
<div class="card-grid">
<section class="panel" id="timeline">
  <h2>{{_('Steps taken')}}</h2>
  <ol class="ticket-timeline">
  % for step in steps:
    <li class="step-{{step.kind}}">
      <div class="contact-head"><span>{{_.datetime(step.at)}}</span> <span class="muted">{{step.user_name or '—'}}</span></div>
      <p class="multiline">{{step_text(_, step.kind, step.text, groups=group_names, users=user_names)}}</p>
    </li>
  % end
  </ol>
  <form method="post" action="/service/{{ticket.id}}/steps" class="stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Step taken')}} <textarea name="text" rows="3" maxlength="{{limits['step']}}" required>{{typed.get('step', '')}}</textarea></label>
    <button type="submit">{{_('Add the step')}}</button>
  </form>
</section>
<div>
<section class="panel">
  <h2>{{_('State and result')}}</h2>
  <form method="post" action="/service/{{ticket.id}}/state" class="stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('State')}}
      <select name="state">
      % for state in states:
        <option value="{{state}}"{{!' selected' if typed.get('state', ticket.state) == state else ''}}>{{_(state_names[state])}}</option>
      % end
      </select>
    </label>
    <label>{{_('Result')}} <textarea name="result" rows="3" maxlength="{{limits['result']}}">{{typed.get('result', ticket.result)}}</textarea></label>
    <p class="hint">{{_('A ticket is resolved or closed with its result.')}}</p>
    <button type="submit">{{_('Save')}}</button>
  </form>
</section>
<section class="panel">
  <h2>{{_('Reassign')}}</h2>
  <form method="post" action="/service/{{ticket.id}}/assign" class="stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Queue')}}
      <select name="group">
        <option value="">{{_('None')}}</option>
        % for group in groups:
        <option value="{{group.id}}"{{!' selected' if ticket.group_id == group.id else ''}}>{{group.name}}</option>
        % end
      </select>
    </label>
    <label>{{_('Handled by')}}
      <select name="assignee">
        <option value="">{{_('Nobody yet')}}</option>
        % for person in users:
        <option value="{{person.id}}"{{!' selected' if ticket.assignee_id == person.id else ''}}>{{person.shown_name}}</option>
        % end
      </select>
    </label>
    <label>{{_('Due')}} <input type="datetime-local" name="due" value="{{due_value}}"></label>
    <button type="submit">{{_('Save')}}</button>
  </form>
</section>
</div>
</div>
