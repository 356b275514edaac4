% rebase('layout.tpl', title=_('Reports'), page='reports', scripts=['vendor/uplot/uPlot.iife.min.js', 'charts.js', 'reports.js'], styles=['vendor/uplot/uPlot.min.css'])
% from webui.office_figures import percent, rating, seconds
<div class="page-head">
  <h1>{{_('Reports')}}</h1>
  % if report:
  <div class="actions"><a class="button secondary" href="/reports.xlsx?{{export_query}}" download>{{_('Export to Excel')}}</a></div>
  % end
</div>
<p class="hint">{{_("The calls of the lines you see, in the box's local time.")}}</p>
<form class="filters search-form row report-form" method="get" action="/reports">
  <label>{{_('From')}} <input type="date" name="from" value="{{date_value(asked.typed['from'])}}" required></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{date_value(asked.typed['to'])}}" required></label>
  <label>{{_('Period')}} <select name="per">
    % for value, label in (('hour', _('By hour')), ('day', _('By day')), ('week', _('By week'))):
    <option value="{{value}}"{{!' selected' if asked.typed['per'] == value else ''}}>{{label}}</option>
    % end
  </select></label>
  <label>{{_('Split by')}} <select name="by">
    % for value, label in (('direction', _('Direction')), ('line', _('Line')), ('operator', _('Operator'))):
    <option value="{{value}}"{{!' selected' if asked.typed['by'] == value else ''}}>{{label}}</option>
    % end
  </select></label>
  <div class="form-buttons"><button type="submit">{{_('Show')}}</button></div>
</form>
% if asked.problem:
<p class="problem" role="alert">{{asked.problem}}</p>
% end
% if report:
% total = report.overall
<section class="tiles tiles-small" aria-label="{{_('In these days')}}">
  <div class="tile"><span class="tile-value">{{_.number(total.calls)}}</span><span class="tile-label">{{_('Calls')}}</span></div>
  <div class="tile"><span class="tile-value">{{_.number(total.calls_in)}}</span><span class="tile-label">{{_('Incoming calls')}}</span></div>
  <div class="tile"><span class="tile-value">{{_.number(total.calls_out)}}</span><span class="tile-label">{{_('Outgoing calls')}}</span></div>
  <div class="tile tile-bad"><span class="tile-value">{{_.number(total.missed)}}</span><span class="tile-label">{{_('Missed calls')}}</span></div>
  <div class="tile"><span class="tile-value">{{percent(total.answered_share)}}</span><span class="tile-label">{{_('Incoming calls answered')}}</span></div>
  <div class="tile"><span class="tile-value">{{seconds(total.average_wait_s)}}</span><span class="tile-label">{{_('Average wait before an answer')}}</span></div>
  <div class="tile"><span class="tile-value">{{seconds(total.average_talk_s)}}</span><span class="tile-label">{{_('Average talk time')}}</span></div>
  <div class="tile"><span class="tile-value">{{rating(total.average_rating)}}</span><span class="tile-label">{{_('Survey average (1 best of 5)')}} · {{_.count(total.ratings, '{count} rating', '{count} ratings')}}</span></div>
</section>
% if not total.calls:
<p>{{_('No calls in these days.')}}</p>
% else:
<script type="application/json" id="report-data">{{!charts}}</script>
% per = report.range.per
<div class="charts">
  <section class="chart-panel">
    <h2>{{ {'hour': _('Calls per hour'), 'day': _('Calls per day'), 'week': _('Calls per week')}[per] }}</h2>
    <div class="chart" data-chart="calls" role="img" aria-label="{{_('Calls per period, as in the table below')}}"></div>
    % if per == 'week':
    <p class="hint">{{_('Weeks start on Monday; the first and the last count only the days chosen.')}}</p>
    % end
  </section>
  <section class="chart-panel">
    <h2>{{_('Answered and missed')}}</h2>
    <div class="chart" data-chart="answered" role="img" aria-label="{{_('Incoming calls answered and missed, and the share answered')}}"></div>
  </section>
  <section class="chart-panel">
    <h2>{{_('Waits and talk')}}</h2>
    <div class="chart" data-chart="times" role="img" aria-label="{{_('Average wait before an answer and average talk time')}}"></div>
  </section>
  <section class="chart-panel">
    <h2>{{_('Satisfaction survey')}}</h2>
    <div class="chart" data-chart="survey" role="img" aria-label="{{_('Average rating and number of ratings')}}"></div>
  </section>
</div>
<details class="period-figures">
  <summary>{{_('Figures per period')}} ({{_.number(len(report.starts))}})</summary>
  % include('report_table.tpl', heading={'hour': _('Hour'), 'day': _('Day'), 'week': _('Week (from Monday)')}[per], rows=[(period_text(start), tally) for start, tally in zip(report.starts, report.totals)], empty=_('No calls in these days.'))
</details>
<h2>{{_('Busiest hours')}}</h2>
<p class="hint">{{_('Calls by weekday and hour of the day, in and out; the darker, the busier.')}}</p>
% def compact(n):
%   return '' if not n else (str(n) if n < 10000 else f'{n // 1000}k')
% end
<div class="heat-wrap">
<table class="heat heat-wide">
  <thead><tr><th scope="col"><span class="sr-only">{{_('Weekday')}}</span></th>
  % for hour in range(24):
    <th scope="col">{{'%02d' % hour}}</th>
  % end
  </tr></thead>
  <tbody>
  % for weekday, counts in zip(weekdays, report.busiest):
    <tr><th scope="row">{{weekday}}</th>
    % for hour, calls in enumerate(counts):
      <td class="heat-{{heat(calls)}}" title="{{weekday}} {{'%02d' % hour}}:00 · {{_.count(calls, '{count} call', '{count} calls')}}">{{compact(calls)}}</td>
    % end
    </tr>
  % end
  </tbody>
</table>
<table class="heat heat-narrow">
  <thead><tr><th scope="col"><span class="sr-only">{{_('Hour')}}</span></th>
  % for weekday in weekdays:
    <th scope="col">{{weekday}}</th>
  % end
  </tr></thead>
  <tbody>
  % for hour in range(24):
    <tr><th scope="row">{{'%02d' % hour}}</th>
    % for weekday, counts in zip(weekdays, report.busiest):
      <td class="heat-{{heat(counts[hour])}}" title="{{weekday}} {{'%02d' % hour}}:00 · {{_.count(counts[hour], '{count} call', '{count} calls')}}">{{compact(counts[hour])}}</td>
    % end
    </tr>
  % end
  </tbody>
</table>
</div>
% end
<h2>{{_('By line')}}</h2>
% include('report_table.tpl', heading=_('Line'), rows=[(line_label(line), tally) for line, tally in report.line_totals.items()], empty=_('No calls in these days.'))
<h2>{{_('By operator')}}</h2>
<p class="hint">{{_("An operator's figures are the calls of their lines; a line shared by several operators counts for each.")}}</p>
% include('report_table.tpl', heading=_('Operator'), rows=list(zip([o.name for o in report.operators], report.operator_totals)), empty=_('No operator has lines you see.'))
% end
