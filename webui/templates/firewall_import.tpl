% rebase('layout.tpl', title=_('Import to the call firewall'), page='firewall')
<p class="crumbs"><a href="/firewall">{{_('Call firewall')}}</a></p>
<h1>{{_('Import to the call firewall')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if result is not None:
  % if result.filed:
<p class="notice" role="status">{{_.count(result.added, "{n} number waits for a leader's approval.", "{n} numbers wait for a leader's approval.")}}</p>
  % elif result.lists_read:
<p class="notice" role="status">{{_.count(result.added, '{n} number was imported.', '{n} numbers were imported.')}}</p>
  % end
  % if result.rules_read:
<p class="notice" role="status">{{_.count(result.rules_added, '{n} rule was added.', '{n} rules were added.')}}
    % if result.rules_there:
    {{_.count(result.rules_there, '{n} rule was there already and was left as it is.', '{n} rules were there already and were left as they are.')}}
    % end
</p>
  % end
  % if result.skipped:
<h2>{{_.count(len(result.skipped), '{n} row was not imported', '{n} rows were not imported')}}</h2>
<div class="table-wrap">
<table>
  <thead><tr><th>{{_('Row')}}</th><th>{{_('Why')}}</th></tr></thead>
  <tbody>
  % for row_number, reason in result.skipped:
    <tr><td>{{row_number}}</td><td class="wrap">{{reason}}</td></tr>
  % end
  </tbody>
</table>
</div>
  % end
<p><a href="/firewall">{{_('See the lists and rules')}}</a></p>
% end
<section class="panel">
<ol class="steps">
  <li>{{_('Download the template and fill in one number per row; admins may fill in one rule per row on its Rules sheet. Or export the firewall and change the file.')}}
    <a class="button secondary" href="/firewall/import/template.xlsx">{{_('Download the template')}}</a></li>
  <li>{{_('Upload it as an Excel workbook (.xlsx) or a CSV file, at most {mb} MB and {rows} rows.', mb=max_mb, rows=_.number(max_rows))}}
    <form method="post" action="/firewall/import" enctype="multipart/form-data" class="row upload">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <input type="file" name="file" accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required aria-label="{{_('File')}}">
      <button type="submit">{{_('Import')}}</button>
    </form>
  </li>
</ol>
<p class="muted">{{_('Rows with a problem are listed with their row number and left out; the other rows are imported together, all or none.')}}
% if admin:
  {{_('The rules are imported only if every row of them is right: the first row with a problem stops the import, and nothing is imported. A rule the box has already is left as it is; the others are added after the rules kept, in their order.')}}
% end
</p>
% if needs_approval:
<p class="hint">{{_('Your changes wait for a leader of your group to approve them.')}}</p>
% end
</section>
