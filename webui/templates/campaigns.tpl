% rebase('layout.tpl', title=_('Campaigns'), page='campaigns', styles=['service.css'])
<div class="page-head">
  <h1>{{_('Campaigns')}}</h1>
  <div class="actions">
    <a class="button" href="/campaigns/new">{{_('New campaign')}}</a>
    % if campaigns:
    <a class="button secondary" href="/campaigns/compare">{{_('Compare')}}</a>
    % end
  </div>
</div>
<p class="muted">{{_('A campaign groups a target list of customers, the dialling tasks and text messages made for it, and what came of them: who was reached, who is interested, the orders.')}}</p>
% if not campaigns:
<p>{{_('No campaign yet.')}}</p>
% else:
<div class="table-wrap">
<table class="campaigns stack campaign-results">
  <thead><tr>
    <th>{{_('Campaign')}}</th><th>{{_('Period')}}</th><th class="numeric">{{_('Target customers')}}</th><th class="numeric">{{_('Reached')}}</th><th class="numeric">{{_('Interested')}}</th><th class="numeric">{{_('Orders')}}</th>
  </tr></thead>
  <tbody>
  % for campaign in campaigns:
  % done = results[campaign.id]
    <tr data-campaign="{{campaign.id}}">
      <td class="c-name"><a href="/campaigns/{{campaign.id}}">{{campaign.name}}</a>
      % if campaign.runs_on(today):
        <span class="badge">{{_('Running')}}</span>
      % end
      </td>
      <td class="c-period">{{campaign.starts_on}} – {{campaign.ends_on}}</td>
      <td class="numeric c-targets"><span class="phone-label">{{_('Target customers')}}: </span>{{_.number(done.targets)}}</td>
      <td class="numeric c-reached"><span class="phone-label">{{_('Reached')}}: </span>{{_.number(done.reached)}}</td>
      <td class="numeric c-interested"><span class="phone-label">{{_('Interested')}}: </span>{{_.number(done.interested)}}</td>
      <td class="numeric c-orders"><span class="phone-label">{{_('Orders')}}: </span>{{_.number(done.orders)}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
