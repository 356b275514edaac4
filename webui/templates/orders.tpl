% rebase('layout.tpl', title=_('Orders'), page='orders', styles=['sales.css'])
<div class="page-head">
  <h1>{{_('Orders')}}</h1>
  <div class="actions"><a class="button" href="/orders/new">{{_('New order')}}</a></div>
</div>
<form method="get" action="/orders" class="filters row">
  <label class="grow">{{_('Customer')}} <input type="search" name="q" value="{{listed.typed['q']}}" maxlength="100"></label>
  <label>{{_('From')}} <input type="date" name="from" value="{{listed.typed['from']}}"></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{listed.typed['to']}}"></label>
  <label>{{_('State')}} <select name="state">
    <option value="">{{_('All')}}</option>
    % for key, label in states:
    <option value="{{key}}"{{!' selected' if listed.typed['state'] == key else ''}}>{{_(label)}}</option>
    % end
  </select></label>
  % if listed.typed['customer']:
  <input type="hidden" name="customer" value="{{listed.typed['customer']}}">
  % end
  % if listed.typed['campaign']:
  <input type="hidden" name="campaign" value="{{listed.typed['campaign']}}">
  % end
  <button type="submit">{{_('Search')}}</button>
</form>
% if listed.problem:
<p class="problem" role="alert">{{listed.problem}}</p>
% end
<p class="muted">{{_.count(count, '{count} order', '{count} orders')}} · {{_('Total, cancelled ones left out')}}: {{money(total)}}</p>
% if rows:
<div class="table-wrap">
<table class="orders">
  <thead><tr><th>#</th><th>{{_('Date')}}</th><th>{{_('Customer')}}</th><th>{{_('Operator')}}</th><th>{{_('State')}}</th><th class="num">{{_('Total')}}</th></tr></thead>
  <tbody>
  % for order in rows:
  <tr{{!' class="cancelled"' if order.state == 'cancelled' else ''}}>
    <td><a href="/orders/{{order.id}}">{{order.id}}</a></td>
    <td>{{order.ordered_on}}</td>
    <td>{{order.customer_name}}</td>
    <td>{{order.operator_name or '—'}}</td>
    <td><span class="badge state-{{order.state}}">{{state_label(order.state)}}</span></td>
    <td class="num">{{money(order.total_cents)}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% if pages > 1:
<nav class="pager">
  % if page > 1:
  <a href="/orders?{{listed.query(page=page - 1)}}">{{_('Previous')}}</a>
  % end
  <span>{{page}} / {{pages}}</span>
  % if page < pages:
  <a href="/orders?{{listed.query(page=page + 1)}}">{{_('Next')}}</a>
  % end
</nav>
% end
% else:
<p class="muted">{{_('No orders match.')}}</p>
% end
