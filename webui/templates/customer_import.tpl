% rebase('layout.tpl', title=_('Import customers'), page='customers', main_class='page')
<p class="crumbs"><a href="/customers">{{_('Customers')}}</a></p>
<h1>{{_('Import customers')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if result is not None:
<p class="notice" role="status">{{_.count(result.added, '{n} customer was imported.', '{n} customers were imported.')}}</p>
  % if result.ignored_columns:
<p class="muted">{{_('Columns not known and left out: {columns}', columns=', '.join(result.ignored_columns))}}</p>
  % end
  % if result.skipped:
<h2>{{_.count(len(result.skipped), '{n} row was not imported', '{n} rows were not imported')}}</h2>
    % if result.sheet:
<p class="muted">{{_('Sheet: {sheet}', sheet=result.sheet)}}</p>
    % end
<div class="table-wrap">
<table>
  <thead><tr><th>{{_('Row')}}</th><th>{{_('Why')}}</th></tr></thead>
  <tbody>
  % for row_number, reasons in result.skipped:
    <tr><td>{{row_number}}</td><td class="wrap">{{'; '.join(reasons)}}</td></tr>
  % end
  </tbody>
</table>
</div>
  % end
<p><a href="/customers?sort=updated">{{_('See the customers')}}</a></p>
% end
<section class="panel">
<ol class="steps">
  <li>{{_('Download the template and fill in one customer per row (or export customers and change the file).')}}
    <a class="button secondary" href="/customers/import/template.xlsx">{{_('Download the template')}}</a></li>
  <li>{{_('Upload it as an Excel workbook (.xlsx) or a CSV file, at most {mb} MB and {rows} rows.', mb=max_mb, rows=_.number(max_rows))}}
    <form method="post" action="/customers/import" enctype="multipart/form-data" class="row upload">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <input type="file" name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required aria-label="{{_('File')}}">
      <button type="submit">{{_('Import')}}</button>
    </form>
  </li>
</ol>
<p class="muted">{{_('Rows with a problem are listed with their row number and left out; the other rows are imported. Customers you import are added in your name.')}}</p>
</section>
