% rebase('layout.tpl', title=_('Satisfaction survey'), page='surveys')
<h1>{{_('Satisfaction survey')}}</h1>
<p class="hint">{{_('Callers rate the call with one key: 1 very satisfied, 2 satisfied, 3 fair, 4 dissatisfied, 5 very dissatisfied. Only the lines you see are counted.')}}</p>
<form class="search-form" method="get" action="/surveys">
  <label>{{_('From')}} <input type="date" name="from" value="{{typed['from']}}"></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{typed['to']}}"></label>
  <button type="submit">{{_('Show')}}</button>
  % if problem:
  <p class="field-problem" role="alert">{{problem}}</p>
  % end
</form>
% overall = figures.overall
% if not overall.total:
<p>{{_('No caller rated a call in these days.')}}</p>
% else:
<p class="result-bar"><span>{{_.count(overall.total, '{count} rating', '{count} ratings')}} · {{_('average {value}', value=_.number(overall.average, 2))}} · {{_('{percent}% satisfied', percent=_.number(100 * overall.satisfied_share))}}</span></p>
% for title, tallies, kind in ((_('By operator'), figures.by_operator, 'operator'), (_('By line'), figures.by_line, 'line'), (_('By day'), figures.by_day, 'day')):
<h2>{{title}}</h2>
<div class="table-wrap">
<table class="survey-table stack">
  <thead><tr>
    <th scope="col">{{ {'operator': _('Operator'), 'line': _('Line'), 'day': _('Day')}[kind] }}</th>
    <th scope="col" class="numeric">{{_('Ratings')}}</th>
    <th scope="col" class="numeric">{{_('Average')}}</th>
    % for rating in (1, 2, 3, 4, 5):
    <th scope="col" class="numeric">{{rating}}</th>
    % end
  </tr></thead>
  <tbody>
  % for tally in tallies:
    <tr>
      % if kind == 'operator':
      <td>{{tally.label or _('Not known (key code on a shared line)')}}</td>
      % elif kind == 'line':
      <td>{{_('Line {n}', n=tally.key)}}{{' · ' + line_names[tally.key] if line_names.get(tally.key) else ''}}</td>
      % else:
      <td>{{tally.label}}</td>
      % end
      <td class="numeric">{{_.number(tally.total)}}</td>
      <td class="numeric">{{_.number(tally.average, 2)}}</td>
      % for rating in (1, 2, 3, 4, 5):
      <td class="numeric">{{_.number(tally.counts[rating])}}</td>
      % end
    </tr>
  % end
  </tbody>
</table>
</div>
% end
% end
