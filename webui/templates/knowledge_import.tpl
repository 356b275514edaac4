% rebase('layout.tpl', title=_('Import to the knowledge base'), page='knowledge', scripts=['knowledge.js'])
<p class="crumbs"><a href="/knowledge">{{_('Knowledge base')}}</a></p>
<h1>{{_('Import to the knowledge base')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if result is not None:
<p class="notice" role="status">{{_.count(result.added, '{n} entry was imported.', '{n} entries were imported.')}}</p>
<p><a href="/knowledge">{{_('See the knowledge base')}}</a></p>
% end
<section class="panel">
<ol class="steps">
  <li>{{_('Download the template and fill in one entry per row: title, category path, keywords and answer. Or export the knowledge base and change the file.')}}
    <a class="button secondary" href="/knowledge/import/template.xlsx">{{_('Download the template')}}</a></li>
  <li>{{_('Upload it as an Excel workbook (.xlsx) or a CSV file, at most {mb} MB and {rows} rows.', mb=max_mb, rows=_.number(max_rows))}}
    <form method="post" action="/knowledge/import" enctype="multipart/form-data" class="row upload">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <input type="file" name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required aria-label="{{_('File')}}">
      <button type="submit">{{_('Import')}}</button>
    </form>
  </li>
</ol>
<p class="muted">{{_('Every row is checked first: a row with a problem stops the import with its sheet and row, and nothing is imported. Categories not there yet are made.')}}</p>
</section>
