% rebase('layout.tpl', title=_('Audit log'), page='audit')
% from urllib.parse import urlencode
% query = lambda **changes: urlencode({k: v for k, v in {**values, **changes}.items() if v})
<h1>{{_('Audit log')}}</h1>
<form method="get" action="/audit" class="row filters">
  <label>{{_('Action')}}
    <select name="action">
      <option value="">{{_('Any')}}</option>
      % for value, label in actions.items():
      <option value="{{value}}"{{!' selected' if values['action'] == value else ''}}>{{_(label)}}</option>
      % end
    </select>
  </label>
  <label>{{_('User name')}} <input name="user" maxlength="64" value="{{values['user']}}"></label>
  <label>{{_('From')}} <input type="date" name="from" value="{{values['from']}}"></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{values['to']}}"></label>
  <span class="form-buttons">
    <button type="submit">{{_('Search')}}</button>
    <a class="button secondary" href="/audit">{{_('Clear')}}</a>
  </span>
</form>
<p class="result-bar">
  <a class="button secondary" href="/audit.csv?{{export_query}}" download>{{_('Export CSV')}}</a>
  <a class="button secondary" href="/audit.xlsx?{{export_query}}" download>{{_('Export Excel')}}</a>
</p>
% for problem in problems:
<p class="problem" role="alert">{{problem}}</p>
% end
% if entries:
<div class="table-wrap">
<table class="audit-log stack">
  <thead>
    <tr>
      <th scope="col">{{_('Time')}}</th>
      <th scope="col">{{_('User name')}}</th>
      <th scope="col">{{_('Action')}}</th>
      <th scope="col">{{_('Subject')}}</th>
      <th scope="col">{{_('Details')}}</th>
      <th scope="col">{{_('Address')}}</th>
    </tr>
  </thead>
  <tbody>
  % for entry in entries:
    <tr data-entry="{{entry.id}}">
      <td class="c-time">{{_.datetime(entry.at, seconds=True)}}</td>
      <td class="c-user">{{_('the box itself') if entry.user_id is None and entry.username == box_actor else entry.username}}</td>
      <td class="c-action">{{_(actions.get(entry.action, entry.action))}}</td>
      % link = link_of(entry.target)
      <td class="c-subject">
        % if link is not None:
        <a href="{{link}}">{{subject_of(entry.target)}}</a>
        % else:
        {{subject_of(entry.target)}}
        % end
      </td>
      <td class="c-detail detail">{{detail_of(entry)}}</td>
      <td class="c-address muted">{{entry.address}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
<nav class="pager" aria-label="{{_('Pages')}}">
  % if page > 1:
  <a class="button secondary" rel="prev" href="?{{query(page=page - 1)}}">← {{_('Newer')}}</a>
  % end
  <span class="muted">{{_('Page {n}', n=page)}}</span>
  % if has_next:
  <a class="button secondary" rel="next" href="?{{query(page=page + 1)}}">{{_('Older')}} →</a>
  % end
</nav>
% else:
<p class="muted">{{_('No entries match this search.')}}</p>
% end
