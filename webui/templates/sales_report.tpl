% rebase('layout.tpl', title=_('Sales report'), page='sales_report', scripts=['vendor/uplot/uPlot.iife.min.js', 'charts.js', 'sales_report.js'], styles=['vendor/uplot/uPlot.min.css', 'sales.css'])
<div class="page-head">
  <h1>{{_('Sales report')}}</h1>
  % if figures:
  <div class="actions"><a class="button secondary" href="/sales/report.xlsx?{{export_query}}" download>{{_('Export to Excel')}}</a></div>
  % end
</div>
<p class="hint">{{_('Orders confirmed, shipped or done, of the customers you see, by the order date.')}}</p>
<form class="filters row" method="get" action="/sales/report">
  <label>{{_('From')}} <input type="date" name="from" value="{{typed['from'] if len(typed['from']) == 10 else ''}}" required></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{typed['to'] if len(typed['to']) == 10 else ''}}" required></label>
  <label>{{_('Split by')}} <select name="by">
    % for key, label in breakdowns.items():
    <option value="{{key}}"{{!' selected' if typed['by'] == key else ''}}>{{_(label)}}</option>
    % end
  </select></label>
  <button type="submit">{{_('Show')}}</button>
</form>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if figures:
<section class="tiles tiles-small">
  <div class="tile"><span class="tile-value">{{_.number(figures.orders)}}</span><span class="tile-label">{{_('Orders')}}</span></div>
  <div class="tile"><span class="tile-value">{{money(figures.cents)}}</span><span class="tile-label">{{_('Sales')}}</span></div>
</section>
% if figures.orders:
<script type="application/json" id="sales-data">{{!chart}}</script>
<section class="chart-panel">
  <h2>{{_('Sales per day')}}</h2>
  <div class="chart" data-chart="sales" role="img" aria-label="{{_('Sales per day, as in the table below')}}"></div>
</section>
% end
% by = typed['by']
% rows = figures.rows[by]
<h2>{{_(breakdowns[by])}}</h2>
% if rows:
<div class="table-wrap">
<table class="sales-figures">
  <thead><tr><th>{{_(breakdowns[by])}}</th><th class="num">{{_('Order lines') if by == 'product' else _('Orders')}}</th>
  % if by == 'product':
  <th class="num">{{_('Quantity')}}</th>
  % end
  <th class="num">{{_('Sales')}}</th></tr></thead>
  <tbody>
  % for figure in rows:
  <tr>
    <td>
    % if by == 'customer' and figure.key:
      <a href="/customers/{{figure.key}}">{{figure.label}}</a>
    % else:
      {{figure.label or _('(none)')}}
    % end
    </td>
    <td class="num">{{_.number(figure.orders)}}</td>
    % if by == 'product':
    <td class="num">{{_.number(figure.quantity)}}</td>
    % end
    <td class="num">{{money(figure.cents)}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% if figures.more[by]:
<p class="muted">{{_('{n} more not shown; the Excel export has them.', n=figures.more[by])}}</p>
% end
% else:
<p class="muted">{{_('No sales in these days.')}}</p>
% end
% end
