% rebase('layout.tpl', title=_('Call log'), page='calls', styles=['fields.css'])
<h1>{{_('Call log')}}</h1>
% include('search_form.tpl', action='/calls', with_call_note=True, blocked_rules=blocked_rules)
<p class="result-bar">
  <span>{{_('{count}+ calls', count=_.number(page.total)) if page.more_than_total else _.count(page.total, '{count} call', '{count} calls')}}</span>
  % if page.rows:
  <a class="button secondary" href="/calls.csv?{{form.query(page=1)}}" download>{{_('Export CSV')}}</a>
  <span class="muted small">{{_('up to {count} rows', count=_.number(max_csv_rows))}}</span>
  % end
</p>
% include('columns_form.tpl', action='/calls/columns', choices=column_choices, fixed='start')
% if not lines:
<p>{{_('No lines are assigned to you. Ask an administrator to associate you with your lines.')}}</p>
% end
% if page.rows:
<div class="table-wrap">
<table class="calls stack">
  <thead>
    <tr>
    % for column in columns:
      % key = column.key
      % if key in ('start', 'line', 'number', 'duration'):
      % include('sort_header.tpl', key=key, label=column.heading)
      % elif key != 'recording' or show_recordings:
      <th scope="col">{{column.heading}}</th>
      % end
    % end
    </tr>
  </thead>
  <tbody>
  % for row in page.rows:
    % call = row.call
    <tr class="outcome-{{call.outcome}}" data-call="{{call.id}}">
    % for column in columns:
      % key = column.key
      % if key == 'start':
      <td class="c-time"><a href="/calls/{{call.id}}" title="{{_('The call')}}">{{_.datetime(call.started_at, seconds=True)}}</a></td>
      % elif key == 'line':
      <td class="c-line">{{_('Line {n}', n=call.line)}}{{' · ' + line_names[call.line] if line_names.get(call.line) else ''}}</td>
      % elif key == 'call':
      <td class="c-call"><span class="direction">{{'↙' if call.direction == 'in' else '↗'}} {{_({'in': 'Incoming', 'out': 'Outgoing'}.get(call.direction, ''))}}</span> · <span class="outcome">{{_(outcomes.get(call.outcome, call.outcome))}}</span>{{!' · <span class="survey-score" title="%s">%s</span>' % (_('Survey'), _('{n} of 5', n=call.survey)) if call.survey else ''}}{{!' · <span class="voicemail-mark">' + _('Voicemail') + '</span>' if call.id in voicemail_calls else ''}}
        % if call.blocked_by:
        · <span class="blocked-by">{{blocked_text(_, call.blocked_by)}}</span>
        % end
      </td>
      % elif key == 'number':
      <td class="c-number number-cell">
        % if call.number:
        <span class="number">{{call.number}}</span>
        % include('dial_button.tpl', call_id=call.id)
        % elif call.reason_absent:
        <span class="muted">{{_('Number withheld')}}</span>
        % end
        % if call.name:
        <span class="cid-name">{{call.name}}</span>
        % end
        % location = call.location_zh if _.language == 'zh-CN' else call.location_en
        % if location:
        <span class="muted small">{{location}}</span>
        % end
      </td>
      % elif key == 'customer':
      <td class="c-customer wrap">
        % if row.customer_id:
        <a href="/customers/{{row.customer_id}}">{{row.customer_name}}</a>
        % end
      </td>
      % elif key == 'duration':
      <td class="c-duration numeric">{{_.duration(call.duration_s) if call.outcome == 'answered' else ''}}</td>
      % elif key == 'recording':
        % if show_recordings:
      <td class="c-recording">
        % for recording_id in row.recording_ids:
        <a class="recording-link" href="/recordings/{{recording_id}}" title="{{_('Recording')}}">▶ {{_('Play') if ctx.can('recordings_listen') else _('Open')}}</a>
        % end
      </td>
        % end
      % elif key == 'note':
      <td class="c-note wrap"><a href="/calls/{{call.id}}#note" class="{{'' if call.notes else 'muted small'}}">{{(call.notes[:80] + ('…' if len(call.notes) > 80 else '')) if call.notes else _('Add a note')}}</a></td>
      % end
    % end
    </tr>
  % end
  </tbody>
</table>
</div>
% include('pager.tpl', results=page)
% elif lines:
<p class="muted">{{_('No calls match this search.')}}</p>
% end
