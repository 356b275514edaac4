% rebase('layout.tpl', title=_('Lines'), page='admin')
% include('admin_nav.tpl', current='/admin/lines')
<h1>{{_('Lines')}}</h1>
% include('settings_outcome.tpl', outcome=outcome)
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% modes = {'auto': _('Automatic'), 'vox': _('On voice'), 'manual': _('By hand'), 'schedule': _('On a schedule'), 'off': _('Off')}
<div class="table-wrap">
<table class="lines-table">
  <thead><tr><th>{{_('Line')}}</th><th>{{_('Line name')}}</th><th>{{_('Recording')}}</th><th>{{_('Encoding')}}</th><th>{{_('Operators')}}</th><th></th></tr></thead>
  <tbody>
  % for line in config.lines:
  <tr{{!' class="inactive"' if not line.enabled else ''}}>
    <td>{{line.number}}</td>
    <td>{{line.given_name or _('Line {n}', n=line.number)}}</td>
    <td>{{modes[line.recording.mode] if line.enabled else _('Disabled')}}</td>
    <td>{{_({'alaw': 'A-law', 'ulaw': 'mu-law', 'pcm16': 'PCM 16-bit'}.get(line.recording.encoding, line.recording.encoding))}}</td>
    <td class="wrap">{{', '.join(user.shown_name for user in operators[line.number]) or '—'}}</td>
    <td><a href="/admin/lines/{{line.number}}">{{_('Edit')}}</a></td>
  </tr>
  % end
  </tbody>
</table>
</div>
<p class="hint">{{_('A new recording mode, schedule or no-record list applies at once, even to a call in progress. A line whose connection, encoding or voice thresholds change restarts once its call in progress ends.')}}</p>
<h2>{{_('Add a line')}}</h2>
<form method="post" action="/admin/lines" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Line number')}} <input name="number" type="number" min="1" max="64" value="{{next_number}}" required></label>
  <label>{{_('Line name')}} <input name="name" maxlength="60"></label>
  <button type="submit">{{_('Add')}}</button>
</form>
