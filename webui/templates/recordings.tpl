% rebase('layout.tpl', title=_('Recordings'), page='recordings')
% from urllib.parse import quote
<h1>{{_('Recordings')}}</h1>
% include('search_form.tpl', action='/recordings', with_recorded=False, with_notes=True)
<datalist id="known-tags">
% for tag in known_tags:
  <option value="{{tag}}">
% end
</datalist>
<div class="result-bar">
  <span>{{_('{count}+ recordings', count=_.number(page.total)) if page.more_than_total else _.count(page.total, '{count} recording', '{count} recordings')}}</span>
  % if ctx.can('audit') and page.rows:
  <form method="post" action="/recordings/export?{{form.query(page=1)}}" class="inline export-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="small">{{_('Format')}} <select name="format">
      % for key in ('stored', 'wav', 'alaw', 'ima_adpcm', 'gsm610', 'vox'):
      <option value="{{key}}">
      % include('format_name.tpl', key=key)
      </option>
      % end
    </select></label>
    <button type="submit" class="secondary">{{_('Export as zip with manifest')}}</button>
    <span class="muted small">{{_('up to {count} recordings', count=_.number(max_export))}}</span>
  </form>
  % end
</div>
% if not lines:
<p>{{_('No lines are assigned to you. Ask an administrator to associate you with your lines.')}}</p>
% end
% if page.rows:
<div class="table-wrap">
<table class="recordings stack">
  <thead>
    <tr>
      % include('sort_header.tpl', key='start', label=_('Time'))
      <th scope="col">{{_('Line')}}</th>
      <th scope="col">{{_('Call')}}</th>
      <th scope="col">{{_('Number')}}</th>
      <th scope="col">{{_('Customer')}}</th>
      <th scope="col">{{_('Length')}}</th>
      <th scope="col">{{_('Tags')}}</th>
      <th scope="col">{{_('Notes')}}</th>
    </tr>
  </thead>
  <tbody>
  % for row in page.rows:
    % recording, call = row.recording, row.call
    <tr data-recording="{{recording.id}}">
      <td class="c-time"><a href="/recordings/{{recording.id}}">{{_.datetime(recording.started_at, seconds=True)}}</a>
        % if recording.state != 'complete':
        <span class="badge state-{{recording.state}}">{{_({'recording': 'Recording now', 'repaired': 'Repaired', 'missing': 'File missing'}.get(recording.state, recording.state))}}</span>
        % end
        % if recording.id in held:
        <span class="badge protected" title="{{_('Protected (legal hold)')}}">{{_('Protected')}}</span>
        % end
      </td>
      <td class="c-line">{{_('Line {n}', n=recording.line)}}{{' · ' + line_names[recording.line] if line_names.get(recording.line) else ''}}</td>
      <td class="c-call">
        % if call:
        {{'↙' if call.direction == 'in' else '↗'}} {{_({'in': 'Incoming', 'out': 'Outgoing'}.get(call.direction, ''))}}
        % end
      </td>
      <td class="c-number number-cell">
        % if call and call.number:
        <span class="number">{{call.number}}</span>
        % elif call and call.reason_absent:
        <span class="muted">{{_('Number withheld')}}</span>
        % end
      </td>
      <td class="c-customer wrap">
        % if row.customer_id:
        <a href="/customers/{{row.customer_id}}">{{row.customer_name}}</a>
        % end
      </td>
      <td class="c-duration numeric">{{'' if recording.state == 'recording' else _.duration(recording.samples / 8000)}}</td>
      <td class="c-tags wrap">
        % for tag in row.tags:
        <a class="tag" href="/recordings?tags={{quote(tag)}}">{{tag}}</a>
        % end
      </td>
      <td class="c-notes wrap notes-cell">{{row.notes[:80] + ('…' if len(row.notes) > 80 else '')}}</td>
    </tr>
  % end
  </tbody>
</table>
</div>
% include('pager.tpl', results=page)
% elif lines:
<p class="muted">{{_('No recordings match this search.')}}</p>
% end
