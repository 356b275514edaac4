% rebase('layout.tpl', title=_('Storage'), page='admin')
% include('admin_nav.tpl', current='/admin/storage')
<h1>{{_('Storage')}}</h1>
% include('settings_outcome.tpl', outcome=outcome)
% if problems:
<p class="problem" role="alert">{{problems.get('retention') or problems.get('general') or _('Please correct the fields marked below.')}}</p>
% end
% disk, usage, fc, now = state['disk'], state['usage'], state['forecast'], state['now']
% def percent(part):
%   return '{:.0f}'.format(100 * part / disk.total) if disk and disk.total else '—'
% end
% def days_text(days):
%   if days > 3650:
%     return _('not for more than ten years at this rate')
%   end
%   return _('within a day') if days < 1 else _('in about {days} days, around {date}', days=_.number(days), date=_.date(now + days * 86400))
% end
% if state['blocked']:
<p class="problem" role="alert">{{_('The disk is below its free-space target and retention may delete nothing more: {protected} recordings are under legal hold and {unsaved} are not backed up yet. Lift a hold, or make room another way, before the disk fills.', protected=state['blocked'].held_protected, unsaved=state['blocked'].held_not_backed_up)}}</p>
% end
<section class="panel storage-state">
  <h2>{{_('The disk')}}</h2>
  <dl class="facts">
  % if disk:
    <dt>{{_('Size')}}</dt><dd>{{size(disk.total)}}</dd>
    <dt>{{_('Used')}}</dt><dd>{{size(disk.used)}} ({{percent(disk.used)}} %)</dd>
    <dt>{{_('Free')}}</dt><dd>{{size(disk.free)}} ({{percent(disk.free)}} %)</dd>
    % if typed['enabled'] and state['target'] is not None:
    <dt>{{_('Kept free by retention')}}</dt><dd>{{size(state['target'])}}</dd>
    % end
  % else:
    <dt>{{_('Size')}}</dt><dd>{{_('The disk of the recordings cannot be read.')}}</dd>
  % end
    <dt>{{_('Recordings')}}</dt><dd>{{_.count(usage.count, '{count} recording, about {size}', '{count} recordings, about {size}', size=size(usage.bytes))}}</dd>
    <dt>{{_('Oldest recording kept')}}</dt><dd>{{_.datetime(usage.oldest_started_at) if usage.oldest_started_at else '—'}}</dd>
    <dt>{{_('Under legal hold')}}</dt><dd>{{_.count(usage.held, '{n} recording', '{n} recordings')}}</dd>
    <dt>{{_('Recorded a day')}}</dt><dd>{{_('{size} (average of the last 7 days)', size=size(usage.per_day))}}</dd>
    % if fc is not None:
    <dt>{{_('Retention starts deleting')}}</dt>
    <dd>
      % if not typed['enabled']:
      {{_('Never: retention is off.')}}
        % if fc.days_until_full is not None and fc.days_until_full <= 3650:
      <strong class="warn-text">{{_('At this rate the disk is full {when}; then recordings stop.', when=days_text(fc.days_until_full))}}</strong>
        % end
      % elif fc.deleting_now:
      {{_('Now: free space is below the target, so the oldest recordings are deleted as new ones are made.')}}
      % elif fc.days_until_retention is None:
      {{_('No estimate: nothing was recorded in the last 7 days.')}}
      % else:
      {{days_text(fc.days_until_retention)}}
      % end
    </dd>
    % end
  </dl>
  <table class="recorded-days">
    <caption>{{_('Recorded each day')}}</caption>
    <thead><tr><th scope="col">{{_('Day')}}</th><th scope="col" class="numeric">{{_('Recorded')}}</th></tr></thead>
    <tbody>
    % for day in usage.days:
      <tr><td>{{_.date(day.day_start + 43200)}}</td><td class="numeric">{{size(day.bytes)}}</td></tr>
    % end
    </tbody>
  </table>
</section>
<section class="panel">
  <h2>{{_('Retention')}}</h2>
  <form method="post" action="/admin/storage" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="check"><input type="checkbox" name="enabled" value="yes"{{!' checked' if typed['enabled'] else ''}}> {{_('Circular recording: delete the oldest recordings so that the disk never fills')}}</label>
    <div class="form-grid">
      <label{{!' class="has-problem"' if 'retention.min_free_percent' in problems else ''}}>{{_('Keep free (% of the disk)')}}
        <input name="min_free_percent" value="{{typed['min_free_percent']}}" inputmode="decimal">
        % if 'retention.min_free_percent' in problems:
        <span class="field-problem">{{problems['retention.min_free_percent']}}</span>
        % end
      </label>
      <label{{!' class="has-problem"' if 'retention.min_free_gb' in problems else ''}}>{{_('Keep free at least (GB)')}}
        <input name="min_free_gb" value="{{typed['min_free_gb']}}" inputmode="decimal">
        % if 'retention.min_free_gb' in problems:
        <span class="field-problem">{{problems['retention.min_free_gb']}}</span>
        % end
      </label>
    </div>
    <p class="hint">{{_('While less than the larger of the two is free, the oldest finished recordings are deleted. Below what the lines need for the next few minutes (at least 64 MB) this happens at once.')}} {{_('When no recording may go, the oldest voicemail messages marked heard go next; a message nobody has heard is never deleted for space.')}}</p>
    <label class="check"><input type="checkbox" name="keep_until_backed_up" value="yes"{{!' checked' if typed['keep_until_backed_up'] else ''}}> {{_('Keep every recording and voicemail message until a backup has copied it')}}</label>
    <p class="hint">{{_('Never deleted: recordings still being made, and those under legal hold (the recording, its call or its customer). Each deletion is written to the audit log with its reason.')}} {{_('A voicemail message is under legal hold with its call or its customer.')}}</p>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
  <h3>{{_('Age limits of the lines')}}</h3>
  % if state['keep_days'] or state['message_keep_days']:
  <ul class="plain">
  % for line, days in state['keep_days']:
    <li><a href="/admin/lines/{{line}}">{{_('Line {n}', n=line)}}</a>: {{_('recordings kept {days} days', days=days)}}</li>
  % end
  % for line, days, heard_only in state['message_keep_days']:
    <li><a href="/admin/lines/{{line}}">{{_('Line {n}', n=line)}}</a>: {{_('heard voicemail messages kept {days} days', days=days) if heard_only else _('voicemail messages kept {days} days', days=days)}}</li>
  % end
  </ul>
  % else:
  <p class="muted">{{_('No line has an age limit: space alone decides. Set one on the line page.')}}</p>
  % end
</section>
<section class="panel">
  <h2>{{_('Last deletions')}}</h2>
  % if state['deletions']:
  <div class="table-wrap">
  <table class="deletions stack">
    <thead><tr><th scope="col">{{_('Deleted')}}</th><th scope="col">{{_('Recording')}}</th><th scope="col">{{_('Line')}}</th><th scope="col">{{_('Reason')}}</th></tr></thead>
    <tbody>
    % for row in state['deletions']:
      <tr>
        <td class="c-time">{{_.datetime(row.deleted_at)}}</td>
        <td><a href="/recordings/{{row.id}}">{{_.datetime(row.started_at)}}</a></td>
        <td>{{_('Line {n}', n=row.line)}}</td>
        <td>{{reason(row.delete_reason)}}</td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  <p class="muted small">{{_('Every deletion is in the audit log, with the file and its SHA-256.')}}</p>
  % else:
  <p class="muted">{{_('Retention has deleted nothing yet.')}}</p>
  % end
</section>
