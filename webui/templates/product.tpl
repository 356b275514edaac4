% title = product.name if product else _('Add product')
% rebase('layout.tpl', title=title, page='products', styles=['sales.css'])
<p class="crumbs"><a href="/products">{{_('Products')}}</a></p>
<div class="page-head">
  <h1>{{title}}{{!' <span class="badge low-stock">' + _('Low stock') + '</span>' if product and product.is_low else ''}}</h1>
</div>
% notices = {'added': _('The product was added.'), 'saved': _('Saved.'), 'stock': _('The stock was changed.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if product:
<p class="stock-now">{{_('In stock')}}: <strong>{{_.number(product.stock)}}</strong> {{product.unit}} · {{_('Price')}}: {{money(product.price_cents)}}</p>
% end
% if may_edit:
<form method="post" action="{{'/products/%d' % product.id if product else '/products/new'}}" class="stacked panel">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
  % for key, label, limit in (('code', _('Code'), limits['code']), ('name', _('Product name'), limits['name']), ('unit', _('Unit'), limits['unit'])):
    <label{{!' class="has-problem"' if key in problems else ''}}>{{label}} <input name="{{key}}" value="{{typed[key]}}" maxlength="{{limit}}"{{!'' if key == 'unit' else ' required'}}>
      % if key in problems:
      <span class="field-problem">{{problems[key]}}</span>
      % end
    </label>
  % end
    <label{{!' class="has-problem"' if 'price' in problems else ''}}>{{_('Price')}} <input name="price" value="{{typed['price']}}" inputmode="decimal" required placeholder="0.00">
      % if 'price' in problems:
      <span class="field-problem">{{problems['price']}}</span>
      % end
    </label>
    <label{{!' class="has-problem"' if 'low_stock' in problems else ''}}>{{_('Low-stock level')}} <input name="low_stock" value="{{typed['low_stock']}}" inputmode="numeric">
      % if 'low_stock' in problems:
      <span class="field-problem">{{problems['low_stock']}}</span>
      % end
    </label>
  % if not product:
    <label{{!' class="has-problem"' if 'stock' in problems else ''}}>{{_('Opening stock')}} <input name="stock" value="{{typed['stock']}}" inputmode="numeric">
      % if 'stock' in problems:
      <span class="field-problem">{{problems['stock']}}</span>
      % end
    </label>
  % end
  </div>
  <label class="check"><input type="checkbox" name="retired" value="yes"{{!' checked' if typed['retired'] == 'yes' else ''}}> {{_('Retired: no longer sold')}}</label>
  <div class="row"><button type="submit">{{_('Save')}}</button> <a class="button secondary" href="/products">{{_('Cancel')}}</a></div>
</form>
% end
% if product:
% if may_edit:
<form method="post" action="/products/{{product.id}}/stock" class="stacked panel">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <h2>{{_('Change the stock')}}</h2>
  <div class="form-grid">
    <label>{{_('Kind')}} <select name="kind"><option value="received">{{_('Goods received')}}</option><option value="correction">{{_('Correction')}}</option></select></label>
    <label>{{_('Change in stock')}} <input name="change" inputmode="numeric" required placeholder="+10 / -2"></label>
    <label>{{_('Reason')}} <input name="reason" maxlength="{{limits['reason']}}" required></label>
  </div>
  <div class="row"><button type="submit">{{_('Change the stock')}}</button></div>
</form>
% end
<h2>{{_('Stock changes')}}</h2>
% if moves:
<div class="table-wrap">
<table>
  <thead><tr><th>{{_('Time')}}</th><th>{{_('Kind')}}</th><th class="num">{{_('Change in stock')}}</th><th class="num">{{_('Stock after')}}</th><th>{{_('Reason')}}</th><th>{{_('By')}}</th></tr></thead>
  <tbody>
  % for move in moves:
  <tr>
    <td>{{_.datetime(move.at)}}</td>
    <td>{{_({'order': 'Order', 'cancel': 'Order cancelled', 'received': 'Goods received', 'correction': 'Correction'}.get(move.kind, move.kind))}}
    % if move.order_id and ctx.can('sales'):
      <a href="/orders/{{move.order_id}}">#{{move.order_id}}</a>
    % end
    </td>
    <td class="num">{{'%+d' % move.change}}</td>
    <td class="num">{{_.number(move.stock_after)}}</td>
    <td>{{move.reason}}</td>
    <td>{{move.user_name or '—'}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="muted">{{_('No stock changes yet.')}}</p>
% end
% end
