% rebase('layout.tpl', title=_('Customers'), page='customers', scripts=['customers.js'])
<div class="page-head">
  <h1>{{_('Customers')}}</h1>
  <div class="actions">
  % if ctx.can('customers_add'):
    <a class="button" href="/customers/new">{{_('Add customer')}}</a>
    <a class="button secondary" href="/customers/import">{{_('Import')}}</a>
  % end
  % if ctx.can('customers_export'):
    <a class="button secondary" href="/customers.xlsx?{{filters.query(page=1)}}" download>{{_('Export to Excel')}}</a>
  % end
  </div>
</div>
% if notice == 'deleted':
<p class="notice" role="status">{{_('The customer was deleted.')}}</p>
% end
<form method="get" action="/customers" class="filters row">
  <label class="grow">{{_('Search')}}
    <input type="search" name="q" value="{{filters.text}}" maxlength="100" placeholder="{{_('Name, company, email or part of a number')}}">
  </label>
  <label>{{_('Group')}}
    <select name="group">
      <option value="">{{_('All')}}</option>
      % for category in categories:
      <option value="{{category}}"{{!' selected' if category == filters.category else ''}}>{{category}}</option>
      % end
    </select>
  </label>
  <label>{{_('Level')}}
    <select name="level">
      <option value="">{{_('All')}}</option>
      % for grade in grades:
      <option value="{{grade}}"{{!' selected' if grade == filters.grade else ''}}>{{grade}}</option>
      % end
    </select>
  </label>
  <label>{{_('Sort by')}}
    <select name="sort">
      <option value="name"{{!' selected' if filters.order == 'name' else ''}}>{{_('Name')}}</option>
      <option value="updated"{{!' selected' if filters.order == 'updated' else ''}}>{{_('Latest change')}}</option>
    </select>
  </label>
  <button type="submit">{{_('Search')}}</button>
</form>
<p class="muted">{{_.count(total, '{n} customer', '{n} customers')}}</p>
% if rows:
<div class="table-wrap">
<table class="customers">
  <thead><tr>
    <th><a href="/customers?{{filters.query(sort='name', page=1)}}">{{_('Name')}}</a></th>
    <th>{{_('Company')}}</th>
    <th>{{_('Numbers')}}</th>
    <th>{{_('Group')}}</th>
    <th>{{_('Level')}}</th>
    <th><a href="/customers?{{filters.query(sort='updated', page=1)}}">{{_('Latest change')}}</a></th>
  </tr></thead>
  <tbody>
  % for customer in rows:
  <tr>
    <td><a href="/customers/{{customer.id}}">{{customer.name}}</a></td>
    <td class="wrap">{{customer.company}}</td>
    <td>{{', '.join(number.number for number in customer.numbers[:3])}}{{' …' if len(customer.numbers) > 3 else ''}}</td>
    <td>{{customer.category}}</td>
    <td>{{customer.grade}}</td>
    <td>{{_.date(customer.updated_at)}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% if pages > 1:
<nav class="pager" aria-label="{{_('Pages')}}">
  % if page > 1:
  <a href="/customers?{{filters.query(page=page - 1)}}">{{_('Previous')}}</a>
  % end
  <span>{{_('Page {page} of {pages}', page=page, pages=pages)}}</span>
  % if page < pages:
  <a href="/customers?{{filters.query(page=page + 1)}}">{{_('Next')}}</a>
  % end
</nav>
% end
% else:
<p>{{_('No customers found.')}}</p>
% end
