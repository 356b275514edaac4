% rebase('layout.tpl', title=_('New order'), page='orders', styles=['sales.css'])
<p class="crumbs"><a href="/orders">{{_('Orders')}}</a></p>
<h1>{{_('New order')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if customer is None:
<form method="get" action="/orders/new" class="filters row">
  <label class="grow">{{_('Find the customer')}} <input type="search" name="q" value="{{search}}" maxlength="100" placeholder="{{_('Name, company, email or part of a number')}}"></label>
  % for key in ('campaign', 'opportunity'):
  % if typed[key]:
  <input type="hidden" name="{{key}}" value="{{typed[key]}}">
  % end
  % end
  <button type="submit">{{_('Search')}}</button>
</form>
% if found:
<ul class="customer-choices">
  % for choice in found:
  <li><a href="/orders/new?customer={{choice.id}}{{'&campaign=' + typed['campaign'] if typed['campaign'].isdigit() else ''}}">{{choice.name}}</a> <span class="muted">{{choice.company}}</span></li>
  % end
</ul>
% elif search:
<p class="muted">{{_('No customer you see matches.')}}</p>
% end
% else:
<form method="post" action="/orders/new" class="stacked panel order-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="customer" value="{{customer.id}}">
  <input type="hidden" name="opportunity" value="{{typed['opportunity']}}">
  <p>{{_('Customer')}}: <a href="/customers/{{customer.id}}">{{customer.name}}</a> · <a href="/orders/new">{{_('Another customer')}}</a></p>
  <div class="form-grid">
    <label{{!' class="has-problem"' if 'ordered_on' in problems else ''}}>{{_('Date')}} <input type="date" name="ordered_on" value="{{typed['ordered_on']}}" required>
      % if 'ordered_on' in problems:
      <span class="field-problem">{{problems['ordered_on']}}</span>
      % end
    </label>
    <label>{{_('Payment')}} <select name="payment">
      % for choice in payments:
      <option value="{{choice.value}}"{{!' selected' if choice.selected else ''}}>{{choice.label}}</option>
      % end
    </select></label>
    <label>{{_('State')}} <select name="state">
      % for key, label in states:
      <option value="{{key}}"{{!' selected' if typed['state'] == key else ''}}>{{_(label)}}</option>
      % end
    </select></label>
    <label{{!' class="has-problem"' if 'operator' in problems else ''}}>{{_('Operator')}} <select name="operator">
      % for user_id, name in operators.items():
      <option value="{{user_id}}"{{!' selected' if typed['operator'] == str(user_id) else ''}}>{{name}}</option>
      % end
    </select></label>
    <label{{!' class="has-problem"' if 'campaign' in problems else ''}}>{{_('Campaign (optional)')}} <select name="campaign">
      <option value="">—</option>
      % for campaign_id, name in campaigns:
      <option value="{{campaign_id}}"{{!' selected' if typed['campaign'] == str(campaign_id) else ''}}>{{name}}</option>
      % end
    </select>
      % if 'campaign' in problems:
      <span class="field-problem">{{problems['campaign']}}</span>
      % end
    </label>
  </div>
  <h2>{{_('Order lines')}}</h2>
  % if 'lines' in problems:
  <p class="field-problem">{{problems['lines']}}</p>
  % end
  <div class="table-wrap">
  <table class="order-lines-form">
    <thead><tr><th>{{_('Product')}}</th><th>{{_('Quantity')}}</th><th>{{_('Unit price (empty: the list price)')}}</th></tr></thead>
    <tbody>
    % for product_id, quantity, price in typed['lines']:
    <tr>
      <td><select name="product" aria-label="{{_('Product')}}"><option value="">—</option>
        % for product in products:
        <option value="{{product.id}}"{{!' selected' if product_id == str(product.id) else ''}}>{{product.code}} {{product.name}} · {{money(product.price_cents)}} · {{_('In stock')}} {{product.stock}}</option>
        % end
      </select></td>
      <td><input name="quantity" value="{{quantity}}" inputmode="numeric" size="6" aria-label="{{_('Quantity')}}" placeholder="{{_('Quantity')}}"></td>
      <td><input name="unit_price" value="{{price}}" inputmode="decimal" size="10" aria-label="{{_('Unit price')}}" placeholder="{{_('Unit price')}}"></td>
    </tr>
    % end
    </tbody>
  </table>
  </div>
  <label{{!' class="has-problem"' if 'note' in problems else ''}}>{{_('Note')}} <textarea name="note" rows="2" maxlength="{{note_limit}}">{{typed['note']}}</textarea>
    % if 'note' in problems:
    <span class="field-problem">{{problems['note']}}</span>
    % end
  </label>
  <div class="row"><button type="submit">{{_('Place the order')}}</button> <a class="button secondary" href="/orders">{{_('Cancel')}}</a></div>
</form>
% end
