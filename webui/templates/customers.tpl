% rebase('layout.tpl', title=_('Customers'), page='customers', scripts=['customers.js'], styles=['fields.css'])
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
% elif notice == 'columns':
<p class="notice" role="status">{{_('Your columns were saved.')}}</p>
% end
<form method="get" action="/customers" class="filters row">
  <label class="grow">{{_('Search')}}
    <input type="search" name="q" value="{{filters.text}}" maxlength="100" placeholder="{{_('Name, company, email or part of a number')}}">
  </label>
  <label>{{_('Group')}}
    <select name="group">
      <option value="">{{_('All')}}</option>
      % for category in categories:
      <option value="{{category}}"{{!' selected' if category == filters.category else ''}}>{{labels('customer_groups', category)}}</option>
      % end
    </select>
  </label>
  <label>{{_('Level')}}
    <select name="level">
      <option value="">{{_('All')}}</option>
      % for grade in grades:
      <option value="{{grade}}"{{!' selected' if grade == filters.grade else ''}}>{{labels('customer_levels', grade)}}</option>
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
<div class="list-tools">
<p class="muted">{{_.count(total, '{n} customer', '{n} customers')}}</p>
% include('columns_form.tpl', action='/customers/columns', choices=column_choices, fixed='name')
</div>
% if rows:
<div class="table-wrap">
<table class="customers">
  <thead><tr>
  % for column in columns:
    % if column.key == 'name':
    <th><a href="/customers?{{filters.query(sort='name', page=1)}}">{{column.heading}}</a></th>
    % elif column.key == 'updated':
    <th><a href="/customers?{{filters.query(sort='updated', page=1)}}">{{column.heading}}</a></th>
    % else:
    <th>{{column.heading}}</th>
    % end
  % end
  </tr></thead>
  <tbody>
  % for customer in rows:
  <tr>
    % for column in columns:
      % key = column.key
      % if key == 'name':
    <td><a href="/customers/{{customer.id}}">{{customer.name}}</a></td>
      % elif key == 'company':
    <td class="wrap">{{customer.company}}</td>
      % elif key == 'numbers':
    <td>{{', '.join(number.number for number in customer.numbers[:3])}}{{' …' if len(customer.numbers) > 3 else ''}}</td>
      % elif key == 'category':
    <td>{{labels('customer_groups', customer.category)}}</td>
      % elif key == 'grade':
    <td>{{labels('customer_levels', customer.grade)}}</td>
      % elif key == 'email':
    <td class="wrap">{{customer.email}}</td>
      % elif key == 'birthday':
    <td>{{customer.birthday or ''}}</td>
      % elif key == 'gender':
    <td>{{_({'male': 'Male', 'female': 'Female'}.get(customer.gender, '')) if customer.gender else ''}}</td>
      % elif key == 'added_by':
    <td>{{customer.added_by_name or ''}}</td>
      % elif key == 'created':
    <td>{{_.date(customer.created_at)}}</td>
      % elif key == 'updated':
    <td>{{_.date(customer.updated_at)}}</td>
      % elif column.field:
        % value = custom.get(customer.id, {}).get(column.field.id)
        % if value is None:
    <td></td>
        % elif column.field.type == 'yesno':
    <td>{{_('Yes') if value == 'yes' else _('No')}}</td>
        % elif column.field.type == 'link':
    <td class="wrap"><a href="{{value}}" rel="noopener noreferrer" target="_blank">{{value}}</a></td>
        % else:
    <td class="wrap">{{shown_value(column.field, value)[:200]}}</td>
        % end
      % end
    % end
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
