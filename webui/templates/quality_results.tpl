% rebase('layout.tpl', title=_('Quality results'), page='quality', styles=['vendor/uplot/uPlot.min.css', 'quality.css'], scripts=['vendor/uplot/uPlot.iife.min.js', 'charts.js', 'quality.js'])
% include('quality_nav.tpl', current='/quality/results')
<div class="page-head">
  <h1>{{_('Quality results')}}</h1>
  % if not asked.problem:
  <div class="actions"><a class="button secondary" href="/quality/results.xlsx?{{export_query}}">{{_('Export to Excel')}}</a></div>
  % end
</div>
% if appeals:
<section class="panel">
  <h2>{{_('Appeals waiting for a decision')}}</h2>
  <ul class="plain">
  % for appeal, sample in appeals:
    <li><a href="/quality/samples/{{sample.id}}">{{sample.operator_name}} · {{_.datetime(sample.started_at)}}</a> <span class="muted">{{appeal.reason[:120]}}</span></li>
  % end
  </ul>
</section>
% end
<form method="get" action="/quality/results" class="filters row">
  <label>{{_('From')}} <input type="date" name="from" value="{{asked.typed['from'] if len(asked.typed['from']) == 10 else ''}}"></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{asked.typed['to'] if len(asked.typed['to']) == 10 else ''}}"></label>
  <label>{{_('Operator')}}
    <select name="operator">
      <option value="">{{_('Everyone')}}</option>
      % for user_id, name in choices:
      <option value="{{user_id}}"{{!' selected' if asked.typed['operator'] == str(user_id) else ''}}>{{name}}</option>
      % end
    </select>
  </label>
  <button type="submit">{{_('Show')}}</button>
</form>
% if asked.problem:
<p class="problem" role="alert">{{asked.problem}}</p>
% elif not figures:
<p>{{_('No call was scored in these days.')}}</p>
% else:
<script type="application/json" id="quality-data">{{!charts}}</script>
<section class="panel">
  <h2>{{_('Average score per week')}}</h2>
  <div class="quality-chart" data-quality-chart></div>
</section>
<h2>{{_('By operator')}}</h2>
<div class="table-wrap">
<table class="quality-figures">
  <thead><tr><th>{{_('Operator')}}</th><th>{{_('Calls scored')}}</th><th>{{_('Average score')}}</th><th>{{_('Lowest')}}</th><th>{{_('Highest')}}</th><th>{{_('Appeals')}}</th></tr></thead>
  <tbody>
  % for figures_of in figures:
    <tr><td>{{figures_of.name}}</td><td>{{len(figures_of.totals)}}</td><td>{{_.number(figures_of.average, 1)}}</td><td>{{_.number(min(figures_of.totals), 1)}}</td><td>{{_.number(max(figures_of.totals), 1)}}</td><td>{{figures_of.appeals}}</td></tr>
  % end
  </tbody>
</table>
</div>
<h2>{{_('Scored calls')}} <span class="muted small">{{_.number(count)}}</span></h2>
<div class="table-wrap">
<table class="quality-list">
  <thead><tr><th>{{_('Call started')}}</th><th>{{_('Operator')}}</th><th>{{_('Task')}}</th><th>{{_('Score')}}</th><th>{{_('Inspector')}}</th><th>{{_('Appeal')}}</th></tr></thead>
  <tbody>
  % for row in rows:
    <tr>
      <td><a href="/quality/samples/{{row.sample_id}}">{{_.datetime(row.started_at)}}</a></td>
      <td>{{row.operator_name}}</td><td>{{row.task_name}}</td><td>{{_.number(row.total, 1)}}</td><td>{{row.inspector_name}}</td>
      <td>{{_({'open': 'Open', 'accepted': 'Accepted', 'rejected': 'Rejected'}.get(row.appeal_state, '')) if row.appeal_state else ''}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
