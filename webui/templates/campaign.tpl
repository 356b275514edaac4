% rebase('layout.tpl', title=campaign.name, page='campaigns', styles=['service.css'])
<p class="crumbs"><a href="/campaigns">{{_('Campaigns')}}</a></p>
<div class="page-head">
  <h1>{{campaign.name}}</h1>
  <div class="actions">
    <a class="button secondary" href="/campaigns/{{campaign.id}}/edit">{{_('Edit')}}</a>
    <a class="button secondary" href="/campaigns/compare">{{_('Compare')}}</a>
  </div>
</div>
% if notice:
<p class="notice" role="status">{{notice}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<dl class="facts">
  <dt>{{_('Period')}}</dt><dd>{{campaign.starts_on}} – {{campaign.ends_on}}</dd>
  % if campaign.groups:
  <dt>{{_('Groups')}}</dt><dd>{{', '.join(campaign.groups)}}</dd>
  % end
  % if campaign.levels:
  <dt>{{_('Levels')}}</dt><dd>{{', '.join(campaign.levels)}}</dd>
  % end
  <dt>{{_('Made by')}}</dt><dd>{{campaign.created_by_name or '—'}}</dd>
  % if campaign.notes:
  <dt>{{_('Notes')}}</dt><dd class="multiline">{{campaign.notes}}</dd>
  % end
</dl>
<section class="panel" id="results">
  <h2>{{_('Results')}}</h2>
  <div class="table-wrap">
  <table class="campaign-results">
    <tbody>
    % for key, label in figures:
      <tr data-figure="{{key}}"><th>{{_(label)}}</th><td class="numeric">{{_.number(getattr(results, key))}}</td></tr>
    % end
      <tr><th>{{_('Calls placed')}}</th><td class="numeric">{{_.number(results.calls)}}</td></tr>
      <tr><th>{{_('Messages sent')}}</th><td class="numeric">{{_.number(results.messages)}}</td></tr>
      <tr><th>{{_('Not interested')}}</th><td class="numeric">{{_.number(results.not_interested)}}</td></tr>
      <tr data-figure="order_value"><th>{{_('Order value')}}</th><td class="numeric">{{money(results.order_cents)}}</td></tr>
    </tbody>
  </table>
  </div>
  % if ctx.can('sales'):
  <p><a href="/orders?campaign={{campaign.id}}">{{_('Orders of this campaign')}}</a> · <a href="/orders/new?campaign={{campaign.id}}">{{_('New order for this campaign')}}</a></p>
  % end
  <p class="hint">{{_('Reached: a person answered a call of its dialling tasks, or its text message was delivered. Interested: a call of the campaign marked so on its page.')}}</p>
</section>
<div class="card-grid">
<section class="panel" id="tasks">
  <h2>{{_('Dialling tasks')}}</h2>
  % if tasks:
  <ul>
  % for task in tasks:
    <li><a href="/tasks/{{task.id}}">{{task.name}}</a> · {{_('{done} of {total}', done=_.number(progress[task.id].done), total=_.number(progress[task.id].total))}}</li>
  % end
  </ul>
  % else:
  <p class="muted">{{_('No dialling task yet.')}}</p>
  % end
  % if ctx.can('dial_tasks'):
  <form method="post" action="/campaigns/{{campaign.id}}/task">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit">{{_('New dialling task for this campaign')}}</button>
  </form>
  % end
</section>
<section class="panel" id="messages">
  <h2>{{_('Text messages')}}</h2>
  % if message_states:
  <p>
  % for state, count in sorted(message_states.items()):
    <span class="tag">{{_({'queued': 'Queued', 'sending': 'Sending', 'sent': 'Sent', 'delivered': 'Delivered', 'failed': 'Failed', 'held': 'Held'}.get(state, state))}} {{_.number(count)}}</span>
  % end
  </p>
  % else:
  <p class="muted">{{_('No message sent yet.')}}</p>
  % end
  % if ctx.can('sms'):
  <a class="button secondary" href="/messages/new?campaign={{campaign.id}}">{{_("Send a message to the campaign's targets")}}</a>
  % end
</section>
</div>
<section class="panel" id="targets">
  <h2>{{_('Target customers')}} <span class="muted">{{_.number(results.targets)}}</span></h2>
  % if targets_seen != results.targets:
  <p class="hint">{{_('You see {seen} of them.', seen=_.number(targets_seen))}}</p>
  % end
  <form method="post" action="/campaigns/{{campaign.id}}/targets" class="filters row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="grow">{{_('Add customers')}} <input type="search" name="q" maxlength="100" placeholder="{{_('Name, company, email or part of a number')}}"></label>
    <label>{{_('Group')}}
      <select name="group">
        <option value="">{{_('All')}}</option>
        % for group in groups:
        <option value="{{group}}">{{group}}</option>
        % end
      </select>
    </label>
    <button type="submit">{{_('Add')}}</button>
  </form>
  % if targets:
  <ul class="target-list">
  % for customer in targets:
    <li><a href="/customers/{{customer.id}}">{{customer.name}}</a>
      <form method="post" action="/campaigns/{{campaign.id}}/targets/{{customer.id}}/delete" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="link small" aria-label="{{_('Take {name} off the targets', name=customer.name)}}">×</button>
      </form>
    </li>
  % end
  </ul>
  % if targets_seen > shown_most:
  <p class="hint">{{_('The first {n} are listed.', n=shown_most)}}</p>
  % end
  % end
</section>
<form method="post" action="/campaigns/{{campaign.id}}/delete" class="row" data-confirm="{{_('Delete the campaign {name}? Its tasks and messages stay.', name=campaign.name)}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Delete the campaign')}}</button>
</form>
