% rebase('layout.tpl', title=_('Compare campaigns'), page='campaigns', styles=['vendor/uplot/uPlot.min.css', 'service.css'], scripts=['vendor/uplot/uPlot.iife.min.js', 'charts.js', 'campaigns.js'])
<p class="crumbs"><a href="/campaigns">{{_('Campaigns')}}</a></p>
<div class="page-head">
  <h1>{{_('Compare campaigns')}}</h1>
  <div class="actions">
    <a class="button secondary" href="/campaigns/compare.xlsx?{{query}}">{{_('Export to Excel')}}</a>
  </div>
</div>
<form method="get" action="/campaigns/compare" class="filters row">
  % for campaign in every:
  <label class="check"><input type="checkbox" name="id" value="{{campaign.id}}"{{!' checked' if campaign.id in chosen else ''}}> {{campaign.name}}</label>
  % end
  <button type="submit">{{_('Compare')}}</button>
</form>
% if not compared:
<p class="muted">{{_('No campaign yet.')}}</p>
% else:
<script type="application/json" id="campaign-data">{{!chart}}</script>
<section class="panel">
  <div class="chart campaign-chart" data-chart="campaigns" role="img" aria-label="{{_('Targets, reached, interested and orders of each campaign, as in the table below')}}"></div>
</section>
<div class="table-wrap">
<table class="campaign-results compare">
  <thead><tr>
    <th>{{_('Campaign')}}</th><th>{{_('Period')}}</th>
    % for key, label in figures:
    <th class="numeric">{{_(label)}}</th>
    % end
    <th class="numeric">{{_('Interested of reached')}}</th>
  </tr></thead>
  <tbody>
  % for campaign, results in compared:
  % rate = results.rate(results.interested, results.reached)
    <tr data-campaign="{{campaign.id}}">
      <td><a href="/campaigns/{{campaign.id}}">{{campaign.name}}</a></td>
      <td>{{campaign.starts_on}} – {{campaign.ends_on}}</td>
      % for key, label in figures:
      <td class="numeric" data-figure="{{key}}">{{_.number(getattr(results, key))}}</td>
      % end
      <td class="numeric">{{'%.1f%%' % (rate * 100) if rate is not None else '—'}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
