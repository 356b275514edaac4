% rebase('layout.tpl', title=_('Import numbers'), page='tasks')
<p class="crumbs"><a href="/tasks">{{_('Dialling tasks')}}</a> · <a href="/tasks/{{task.id}}">{{task.name}}</a></p>
<h1>{{_('Import numbers')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if preview is not None:
<section class="panel import-preview">
  <h2>{{_('Check before adding')}}</h2>
  <p class="result-bar">
    <span>{{_.count(len(preview.rows), '{n} row to add', '{n} rows to add')}}</span>
    <span>{{_.count(len(preview.problems), '{n} row with a problem', '{n} rows with a problem')}}</span>
    <span>{{_.count(len(preview.merged), '{n} number given twice, merged', '{n} numbers given twice, merged')}}</span>
    <span>{{_.count(len(preview.blocked), '{n} number the call firewall blocks', '{n} numbers the call firewall blocks')}}</span>
  </p>
  % if preview.ignored_columns:
  <p class="muted">{{_('Columns not known and left out: {columns}', columns=', '.join(preview.ignored_columns))}}</p>
  % end
  % if preview.problems:
  <h3>{{_('Rows left out')}}</h3>
  <ul class="problem-rows">
  % for row_number, why in preview.problems:
    <li>{{_('Row {n}: {problem}', n=row_number, problem=why)}}</li>
  % end
  </ul>
  % end
  % if preview.merged:
  <h3>{{_('Merged')}}</h3>
  <ul class="merged-rows">
  % for row_number, first in preview.merged:
    <li>{{_('Row {n}: the number of row {first}; name and note joined to it', n=row_number, first=first)}}</li>
  % end
  </ul>
  % end
  % if preview.blocked:
  <h3>{{_('Blocked by the call firewall: added, never called')}}</h3>
  <ul class="blocked-rows">
  % for row_number, number in preview.blocked:
    <li>{{_('Row {n}: {number}', n=row_number, number=number.number)}} · {{blocked_text(_, number.blocked_by)}}</li>
  % end
  </ul>
  % end
  % if preview.rows:
  <h3>{{_('First rows to add')}}</h3>
  <div class="table-wrap">
  <table class="import-rows stack">
    <thead><tr><th>{{_('Row')}}</th><th>{{_('Number')}}</th><th>{{_('Name')}}</th><th>{{_('Note')}}</th></tr></thead>
    <tbody>
    % for row_number, number, name, note in preview.rows[:shown_rows]:
      <tr><td class="c-row">{{_('Row {n}', n=row_number)}}</td><td class="c-number number">{{number}}</td><td class="c-name wrap">{{name}}</td><td class="c-note wrap">{{note}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  <form method="post" action="/tasks/{{task.id}}/import" enctype="multipart/form-data" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="step" value="add">
    <input type="hidden" name="rows" value="{{rows_field}}">
    <button type="submit">{{_.count(len(preview.rows), 'Add {n} number', 'Add {n} numbers')}}</button>
    <a class="button secondary" href="/tasks/{{task.id}}">{{_('Cancel')}}</a>
  </form>
  % else:
  <p>{{_('Nothing to add from this file.')}}</p>
  % end
</section>
% end
<section class="panel">
<ol class="steps">
  <li>{{_('Write one number per row, with a Number column and, if you like, Name and Note (a CSV file may also give number, name and note without a header row).')}}</li>
  <li>{{_('Upload it as an Excel workbook (.xlsx) or a CSV file, at most {mb} MB and {rows} rows.', mb=max_mb, rows=_.number(max_rows))}}
    <form method="post" action="/tasks/{{task.id}}/import" enctype="multipart/form-data" class="row upload">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <input type="hidden" name="step" value="preview">
      <input type="file" name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required aria-label="{{_('File')}}">
      <button type="submit">{{_('Check the file')}}</button>
    </form>
  </li>
  <li>{{_('Check what would be added, then add it. A number given twice, or in the task already, is merged into one; numbers are read as the customer cards read them.')}}</li>
</ol>
</section>
