% rebase('layout.tpl', title=_('Archive'), page='archive')
<h1>{{_('Archive')}}</h1>
<p class="hint">{{_("The backups of every box in a backup target, read straight from it: nothing is downloaded but each box's index, and nothing there is changed.")}}</p>
% for problem in problems:
<p class="problem" role="alert">{{problem}}</p>
% end
% for problem in unread:
<p class="problem" role="alert">{{problem}}</p>
% end
% if not targets:
<p class="muted">{{_('This box has no backup target. An admin sets them up under Settings, Backup.')}}</p>
% else:
<form method="get" action="/archive" class="search-form">
  <div class="form-grid">
    <label>{{_('Target')}}
      <select name="target">
      % for name in targets:
        <option value="{{name}}"{{!' selected' if name == chosen else ''}}>{{name}}</option>
      % end
      </select>
    </label>
    <label>{{_('Day (YYYY-MM-DD)')}} <input name="day" value="{{values['day']}}"></label>
    <label>{{_('Line')}} <input name="line" value="{{values['line']}}" inputmode="numeric"></label>
    <label>{{_('Number')}} <input name="number" value="{{values['number']}}"></label>
    <label>{{_('Box')}}
      <select name="box">
        <option value="">{{_('Every box')}}</option>
      % for box in boxes:
        <option value="{{box.box_id}}"{{!' selected' if box.box_id == values['box'] else ''}}>{{box.box_id}} ({{box.manifest.get('hostname', '')}})</option>
      % end
      </select>
    </label>
  </div>
  <input type="hidden" name="search" value="1">
  <div class="row"><button type="submit">{{_('Search')}}</button></div>
</form>
<section class="panel">
  <h2>{{_('Boxes')}}</h2>
  % if boxes:
  <div class="table-wrap">
  <table class="archive-boxes stack">
    <thead><tr><th scope="col">{{_('Box')}}</th><th scope="col">{{_('Name')}}</th><th scope="col">{{_('Last backup')}}</th><th scope="col" class="numeric">{{_('Recordings')}}</th><th scope="col" class="numeric">{{_('Size')}}</th></tr></thead>
    <tbody>
    % for box in boxes:
      <tr><td><code>{{box.box_id}}</code></td><td>{{box.manifest.get('hostname', '')}}</td><td>{{_.datetime(box.manifest.get('backed_up_at'))}}</td><td class="numeric">{{_.number(box.manifest.get('recordings') or 0)}}</td><td class="numeric">{{size(int(box.manifest.get('bytes') or 0))}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  % else:
  <p class="muted">{{_('No box has backed up into this target yet.')}}</p>
  % end
  % if foreign:
  <p class="muted small">{{_('Also there, not linerec backups (left alone): {names}', names=', '.join(foreign[:20]))}}</p>
  % end
</section>
% if results is not None:
<section class="panel">
  <h2>{{_('Recordings found')}}</h2>
  % if results:
  <div class="table-wrap">
  <table class="archive-results stack">
    <thead><tr><th scope="col">{{_('Box')}}</th><th scope="col">{{_('Day')}}</th><th scope="col">{{_('Time')}}</th><th scope="col">{{_('Line')}}</th><th scope="col">{{_('Number')}}</th><th scope="col" class="numeric">{{_('Talk time')}}</th><th scope="col">SHA-256</th></tr></thead>
    <tbody>
    % for entry in results:
      <tr><td><code>{{entry['box_id']}}</code></td><td>{{entry.get('day', '')}}</td><td>{{entry.get('time', '')}}</td><td>{{entry.get('line', '')}}</td><td>{{entry.get('number') or '—'}}</td><td class="numeric">{{_.duration(entry['duration_s']) if entry.get('duration_s') else '—'}}</td><td><code class="hash small">{{entry.get('sha256', '')[:16]}}…</code></td></tr>
    % end
    </tbody>
  </table>
  </div>
  % if len(results) >= limit:
  <p class="muted small">{{_('Only the first {n} are shown; narrow the search.', n=limit)}}</p>
  % end
  % else:
  <p class="muted">{{_('No recording matches.')}}</p>
  % end
</section>
% end
% end
