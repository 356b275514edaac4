% rebase('layout.tpl', title=_('Products'), page='products', styles=['sales.css'])
<div class="page-head">
  <h1>{{_('Products')}}</h1>
  <div class="actions">
  % if may_edit:
    <a class="button" href="/products/new">{{_('Add product')}}</a>
  % end
  </div>
</div>
% notices = {'settings': _('Saved.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if low_count:
<p class="low-stock-warning" role="status"><a href="/products?low=1">{{_.count(low_count, '{count} product is at or below its low-stock level', '{count} products are at or below their low-stock level')}}</a></p>
% end
<form method="get" action="/products" class="filters row">
  <label class="grow">{{_('Search')}} <input type="search" name="q" value="{{text}}" maxlength="100" placeholder="{{_('Code or name')}}"></label>
  <label class="check"><input type="checkbox" name="low" value="1"{{!' checked' if low_only else ''}}> {{_('Low stock only')}}</label>
  <label class="check"><input type="checkbox" name="retired" value="1"{{!' checked' if retired else ''}}> {{_('With retired products')}}</label>
  <button type="submit">{{_('Search')}}</button>
</form>
% if products:
<div class="table-wrap">
<table class="products">
  <thead><tr><th>{{_('Code')}}</th><th>{{_('Product name')}}</th><th>{{_('Unit')}}</th><th class="num">{{_('Price')}}</th><th class="num">{{_('Stock')}}</th><th class="num">{{_('Low-stock level')}}</th></tr></thead>
  <tbody>
  % for product in products:
  <tr{{!' class="retired"' if product.retired else ''}}>
    <td><a href="/products/{{product.id}}">{{product.code}}</a></td>
    <td>{{product.name}}{{!' <span class="badge">' + _('Retired') + '</span>' if product.retired else ''}}</td>
    <td>{{product.unit}}</td>
    <td class="num">{{money(product.price_cents)}}</td>
    <td class="num">{{_.number(product.stock)}}
    % if product.is_low:
      <span class="badge low-stock" title="{{_('At or below its low-stock level')}}">{{_('Low stock')}}</span>
    % end
    </td>
    <td class="num">{{_.number(product.low_stock)}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="muted">{{_('No products yet.') if not text and not low_only else _('No product matches.')}}</p>
% end
% if ctx.can('admin'):
<form method="post" action="/products/settings" class="panel stacked">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <h2>{{_('Stock settings')}}</h2>
  <label class="check"><input type="checkbox" name="allow_negative" value="yes"{{!' checked' if allow_negative else ''}}> {{_('Orders may take stock below zero')}}</label>
  <p class="hint">{{_('Off: an order for more than is in stock is refused, naming the product.')}}</p>
  <div class="row"><button type="submit">{{_('Save')}}</button></div>
</form>
% end
