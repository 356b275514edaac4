% title = opportunity.title if opportunity else _('New opportunity')
% rebase('layout.tpl', title=title, page='sales', styles=['sales.css'])
<p class="crumbs"><a href="/sales">{{_('Opportunities')}}</a></p>
<div class="page-head">
  <h1>{{title}}{{!' <span class="badge stage-badge">' + stage_label(opportunity.stage) + '</span>' if opportunity else ''}}</h1>
  % if opportunity and opportunity.stage == 'won':
  <div class="actions"><a class="button" href="/orders/new?customer={{opportunity.customer_id}}&amp;opportunity={{opportunity.id}}">{{_('Make an order')}}</a></div>
  % end
</div>
% notices = {'added': _('The opportunity was added.'), 'saved': _('Saved.'), 'follow_up': _('The follow-up was added.'), 'won': _('Won. You may make an order for it now.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if customer is None and not opportunity:
<form method="get" action="/sales/new" class="filters row">
  <label class="grow">{{_('Find the customer')}} <input type="search" name="q" value="{{search}}" maxlength="100" placeholder="{{_('Name, company, email or part of a number')}}"></label>
  <button type="submit">{{_('Search')}}</button>
</form>
% if found:
<ul class="customer-choices">
  % for choice in found:
  <li><a href="/sales/new?customer={{choice.id}}">{{choice.name}}</a> <span class="muted">{{choice.company}}</span></li>
  % end
</ul>
% elif search:
<p class="muted">{{_('No customer you see matches.')}}</p>
% end
% else:
<form method="post" action="{{'/sales/%d' % opportunity.id if opportunity else '/sales/new'}}" class="stacked panel">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="customer" value="{{customer.id if customer else typed['customer']}}">
  <p>{{_('Customer')}}: <a href="/customers/{{customer.id if customer else opportunity.customer_id}}">{{customer.name if customer else opportunity.customer_name}}</a></p>
  <div class="form-grid">
    <label{{!' class="has-problem"' if 'title' in problems else ''}}>{{_('Title')}} <input name="title" value="{{typed['title']}}" maxlength="{{limits['title']}}" required>
      % if 'title' in problems:
      <span class="field-problem">{{problems['title']}}</span>
      % end
    </label>
    <label>{{_('Stage')}} <select name="stage">
      % for key, label in stages:
      <option value="{{key}}"{{!' selected' if typed['stage'] == key else ''}}>{{_(label)}}</option>
      % end
    </select></label>
    <label{{!' class="has-problem"' if 'amount' in problems else ''}}>{{_('Expected amount')}} <input name="amount" value="{{typed['amount']}}" inputmode="decimal" placeholder="0.00">
      % if 'amount' in problems:
      <span class="field-problem">{{problems['amount']}}</span>
      % end
    </label>
    <label{{!' class="has-problem"' if 'close_on' in problems else ''}}>{{_('Expected close')}} <input type="date" name="close_on" value="{{typed['close_on']}}">
      % if 'close_on' in problems:
      <span class="field-problem">{{problems['close_on']}}</span>
      % end
    </label>
    <label{{!' class="has-problem"' if 'owner' in problems else ''}}>{{_('Owner')}} <select name="owner">
      % for user_id, name in owners.items():
      <option value="{{user_id}}"{{!' selected' if typed['owner'] == str(user_id) else ''}}>{{name}}</option>
      % end
    </select></label>
  </div>
  <div class="row"><button type="submit">{{_('Save')}}</button> <a class="button secondary" href="/sales">{{_('Cancel')}}</a></div>
</form>
% end
% if opportunity:
<h2 id="follow-ups">{{_('Follow-ups')}}</h2>
<form method="post" action="/sales/{{opportunity.id}}/followups" class="stacked panel">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
    <label>{{_('Date')}} <input type="date" name="on_day" value="{{today}}" required></label>
    <label>{{_('Next step')}} <input name="next_step" maxlength="{{limits['next_step']}}"></label>
  </div>
  <label>{{_('What happened')}} <textarea name="text" rows="3" maxlength="{{limits['text']}}" required></textarea></label>
  <div class="row"><button type="submit">{{_('Add follow-up')}}</button></div>
</form>
% if follow_ups:
<ul class="follow-ups">
  % for follow_up in follow_ups:
  <li><strong>{{follow_up.on_day}}</strong> · <span class="muted">{{follow_up.added_by_name or '—'}}</span>
    <p class="multiline">{{follow_up.text}}</p>
    % if follow_up.next_step:
    <p>{{_('Next step')}}: {{follow_up.next_step}}</p>
    % end
  </li>
  % end
</ul>
% else:
<p class="muted">{{_('No follow-ups yet.')}}</p>
% end
% end
