% rebase('layout.tpl', title=_('Service'), page='service', styles=['service.css'])
<div class="page-head">
  <h1>{{_('Service')}}</h1>
  <div class="actions">
    <a class="button" href="/service/new">{{_('New ticket')}}</a>
    <a class="button secondary" href="/service.xlsx?{{query()}}">{{_('Export to Excel')}}</a>
  </div>
</div>
<nav class="subnav service-views" aria-label="{{_('Queues')}}">
% for view, count in counts.items():
  <a href="/service?{{query(view=view, page='')}}"{{!' aria-current="page"' if view == found.view else ''}}>{{_(view_names[view])}} <span class="muted">{{count}}</span></a>
% end
</nav>
<form method="get" action="/service" class="filters row">
  <input type="hidden" name="view" value="{{found.view}}">
  <label class="grow">{{_('Search')}}
    <input type="search" name="q" value="{{found.text}}" maxlength="100" placeholder="{{_('Title, description or customer')}}">
  </label>
  <label>{{_('State')}}
    <select name="state">
      <option value="active"{{!' selected' if found.state == 'active' else ''}}>{{_('Not resolved')}}</option>
      <option value=""{{!' selected' if found.state == '' else ''}}>{{_('All')}}</option>
      % for state in states:
      <option value="{{state}}"{{!' selected' if found.state == state else ''}}>{{_(state_names[state])}}</option>
      % end
    </select>
  </label>
  <label>{{_('Kind')}}
    <select name="kind">
      <option value="">{{_('All')}}</option>
      % for kind in kinds:
      <option value="{{kind}}"{{!' selected' if found.kind == kind else ''}}>{{_(kind_names[kind])}}</option>
      % end
    </select>
  </label>
  <label>{{_('Priority')}}
    <select name="priority">
      <option value="">{{_('All')}}</option>
      % for priority in priorities:
      <option value="{{priority}}"{{!' selected' if found.priority == priority else ''}}>{{_(priority_names[priority])}}</option>
      % end
    </select>
  </label>
  <label class="check"><input type="checkbox" name="overdue" value="1"{{!' checked' if found.overdue else ''}}> {{_('Overdue only')}}</label>
  <button type="submit">{{_('Show')}}</button>
</form>
% if not tickets:
<p class="muted">{{_('No ticket here.')}}</p>
% else:
<div class="table-wrap">
<table class="tickets stack">
  <thead><tr>
    <th>{{_('Ticket')}}</th><th>{{_('Customer')}}</th><th>{{_('Kind')}}</th><th>{{_('Priority')}}</th><th>{{_('State')}}</th><th>{{_('Queue')}}</th><th>{{_('Handled by')}}</th><th>{{_('Due')}}</th>
  </tr></thead>
  <tbody>
  % for ticket in tickets:
  % late = ticket.overdue(now)
    <tr class="{{'overdue' if late else ''}}" data-ticket="{{ticket.id}}">
      <td class="c-subject"><a href="/service/{{ticket.id}}">#{{ticket.id}} {{ticket.subject}}</a></td>
      <td class="c-customer">{{ticket.customer_name}}</td>
      <td class="c-kind">{{_(kind_names[ticket.kind])}}</td>
      <td class="c-priority"><span class="tag priority-{{ticket.priority}}">{{_(priority_names[ticket.priority])}}</span></td>
      <td class="c-state"><span class="badge ticket-{{ticket.state}}">{{_(state_names[ticket.state])}}</span></td>
      <td class="c-queue">{{ticket.group_name or '—'}}</td>
      <td class="c-assignee">{{ticket.assignee_name or '—'}}</td>
      <td class="c-due">{{_.datetime(ticket.due_at) if ticket.due_at else '—'}}{{!' <strong class="overdue-mark">' + _('Overdue') + '</strong>' if late else ''}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
<div class="pager">
  % if page > 1:
  <a href="/service?{{query(page=page - 1)}}">{{_('Previous')}}</a>
  % end
  % if more:
  <a href="/service?{{query(page=page + 1)}}">{{_('Next')}}</a>
  % end
</div>
% end
