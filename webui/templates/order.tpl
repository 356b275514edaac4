% rebase('layout.tpl', title=_('Order {id}', id=order.id), page='orders', styles=['sales.css'])
<p class="crumbs"><a href="/orders">{{_('Orders')}}</a></p>
<div class="page-head">
  <h1>{{_('Order {id}', id=order.id)}} <span class="badge state-{{order.state}}">{{state_label(order.state)}}</span></h1>
</div>
% notices = {'placed': _('The order was placed; its stock was taken.'), 'state': _('Saved.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<dl class="facts panel">
  <dt>{{_('Customer')}}</dt><dd>
  % if order.customer_id:
  <a href="/customers/{{order.customer_id}}">{{order.customer_name}}</a>
  % else:
  {{order.customer_name}} ({{_('deleted')}})
  % end
  </dd>
  <dt>{{_('Date')}}</dt><dd>{{order.ordered_on}}</dd>
  <dt>{{_('Operator')}}</dt><dd>{{order.operator_name or '—'}}</dd>
  <dt>{{_('Payment')}}</dt><dd>{{payment_label(order.payment)}}</dd>
  % if order.opportunity_id:
  <dt>{{_('Opportunity')}}</dt><dd><a href="/sales/{{order.opportunity_id}}">#{{order.opportunity_id}}</a></dd>
  % end
  % if campaign:
  <dt>{{_('Campaign')}}</dt>
  % if sees_campaigns:
  <dd><a href="/campaigns/{{campaign.id}}">{{campaign.name}}</a></dd>
  % else:
  <dd>{{campaign.name}}</dd>
  % end
  % end
  <dt>{{_('Note')}}</dt><dd class="multiline">{{order.note or '—'}}</dd>
</dl>
<div class="table-wrap">
<table class="order-lines">
  <thead><tr><th>{{_('Code')}}</th><th>{{_('Product')}}</th><th class="num">{{_('Quantity')}}</th><th class="num">{{_('Unit price')}}</th><th class="num">{{_('Total')}}</th></tr></thead>
  <tbody>
  % for line in order.lines:
  <tr><td>{{line.product_code}}</td><td>{{line.product_name}}</td><td class="num">{{_.number(line.quantity)}} {{line.unit}}</td><td class="num">{{money(line.unit_cents)}}</td><td class="num">{{money(line.total_cents)}}</td></tr>
  % end
  </tbody>
  <tfoot><tr><th colspan="4">{{_('Total')}}</th><td class="num"><strong>{{money(order.total_cents)}}</strong></td></tr></tfoot>
</table>
</div>
% if order.state != 'cancelled':
<form method="post" action="/orders/{{order.id}}/state" class="row panel">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('State')}} <select name="state">
    % for key, label in states:
    <option value="{{key}}"{{!' selected' if order.state == key else ''}}>{{_(label)}}</option>
    % end
  </select></label>
  <button type="submit">{{_('Save')}}</button>
  <p class="hint">{{_('Cancelling puts the stock back; a cancelled order stays cancelled.')}}</p>
</form>
% end
