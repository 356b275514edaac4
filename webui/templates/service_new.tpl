% rebase('layout.tpl', title=_('New ticket'), page='service', styles=['service.css'])
<p class="crumbs"><a href="/service">{{_('Service')}}</a></p>
<h1>{{_('New ticket')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if customer is None:
<form method="get" action="/service/new" class="filters row">
  % if call is not None:
  <input type="hidden" name="call" value="{{call.id}}">
  % end
  <label class="grow">{{_('Find the customer')}}
    <input type="search" name="q" value="{{typed['q']}}" maxlength="100" placeholder="{{_('Name, company, email or part of a number')}}" required>
  </label>
  <button type="submit">{{_('Search')}}</button>
</form>
% if found:
<ul class="customer-choices">
% for choice in found:
  <li><a href="/service/new?customer={{choice.id}}{{'&call=' + str(call.id) if call is not None else ''}}">{{choice.name}}</a>{{' · ' + choice.company if choice.company else ''}}</li>
% end
</ul>
% elif typed['q']:
<p class="muted">{{_('No customer you see matches.')}}</p>
% end
% else:
<form method="post" action="/service/new" class="stacked ticket-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="customer" value="{{customer.id}}">
  % if call is not None:
  <input type="hidden" name="call" value="{{call.id}}">
  % end
  <dl class="facts">
    <dt>{{_('Customer')}}</dt><dd>{{customer.name}}{{' · ' + customer.company if customer.company else ''}}</dd>
    % if call is not None:
    <dt>{{_('Call')}}</dt><dd><a href="/calls/{{call.id}}">{{_.datetime(call.started_at)}}{{' · ' + call.number if call.number else ''}}</a></dd>
    % end
  </dl>
  <div class="form-grid">
    <label>{{_('Kind')}}
      <select name="kind">
        % for kind in kinds:
        <option value="{{kind}}"{{!' selected' if typed['kind'] == kind else ''}}>{{_(kind_names[kind])}}</option>
        % end
      </select>
    </label>
    <label>{{_('Priority')}}
      <select name="priority">
        % for priority in priorities:
        <option value="{{priority}}"{{!' selected' if typed['priority'] == priority else ''}}>{{_(priority_names[priority])}}</option>
        % end
      </select>
    </label>
    <label>{{_('Queue')}}
      <select name="group">
        <option value="">{{_('None')}}</option>
        % for group in groups:
        <option value="{{group.id}}"{{!' selected' if typed['group'] == str(group.id) else ''}}>{{group.name}}</option>
        % end
      </select>
    </label>
    <label>{{_('Handled by')}}
      <select name="assignee">
        <option value="">{{_('Nobody yet')}}</option>
        % for person in users:
        <option value="{{person.id}}"{{!' selected' if typed['assignee'] == str(person.id) else ''}}>{{person.shown_name}}</option>
        % end
      </select>
    </label>
    <label>{{_('Due')}}
      <input type="datetime-local" name="due" value="{{typed['due']}}">
    </label>
  </div>
  <label>{{_('Title')}} <input name="subject" value="{{typed['subject']}}" maxlength="{{limits['subject']}}" required></label>
  <label>{{_('What the customer said')}} <textarea name="text" rows="5" maxlength="{{limits['text']}}">{{typed['text']}}</textarea></label>
  <button type="submit">{{_('Open the ticket')}}</button>
</form>
% end
