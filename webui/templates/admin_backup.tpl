% rebase('layout.tpl', title=_('Backup'), page='admin')
% include('admin_nav.tpl', current='/admin/backup')
<h1>{{_('Backup')}}</h1>
% include('settings_outcome.tpl', outcome=outcome)
% if problems:
<p class="problem" role="alert">{{problems.get('general') or _('Please correct the fields marked below.')}}</p>
% end
% if notice and notice['kind'] == 'asked':
<p class="notice" role="status">{{_('Backup to {target} asked for: the line engine starts it within seconds (when it is running). Reload this page to follow it.', target=notice['target'])}}</p>
% elif notice and notice['kind'] == 'removed':
<p class="notice" role="status">{{_('Target {target} removed, with its password and keys. What it holds stays there.', target=notice['target'])}}</p>
% elif notice and notice['kind'] == 'tested':
<p class="{{'notice' if notice['ok'] else 'problem'}}" role="status">{{_('Connection to {target} works.', target=notice['target']) if notice['ok'] else _('Connection to {target} failed.', target=notice['target'])}} <code>{{notice['message']}}</code></p>
% end
% def field(name, label, kind='text', hint=''):
%   key = 'target.' + name
<label{{!' class="has-problem"' if key in problems else ''}}>{{label}}
  <input name="{{name}}" type="{{kind}}" value="{{typed.get(name, '')}}">
  % if hint:
  <span class="hint">{{hint}}</span>
  % end
  % if key in problems:
  <span class="field-problem">{{problems[key]}}</span>
  % end
</label>
% end
<section class="panel">
  <h2>{{_('Targets')}}</h2>
  % if state['targets']:
  <div class="table-wrap">
  <table class="backup-targets stack">
    <thead><tr><th scope="col">{{_('Target')}}</th><th scope="col">{{_('Where')}}</th><th scope="col">{{_('Last backup')}}</th><th scope="col">{{_('Held there')}}</th><th scope="col">{{_('Actions')}}</th></tr></thead>
    <tbody>
    % for item in state['targets']:
    %   target, result = item['target'], item['result']
    %   latest = result.latest if result else None
      <tr>
        <td><strong>{{target.name}}</strong>{{'' if target.enabled else ' (' + _('off') + ')'}}<br><span class="muted small">{{_(kind_labels[target.kind])}}</span></td>
        <td><code>{{item['where']}}</code>
          % for secret, kept in item['secrets'].items():
          <br><span class="{{'muted' if kept else 'warn-text'}} small">{{_(secret_labels[secret])}}: {{_('set') if kept else _('not set')}}</span>
          % end
        </td>
        <td>
        % if latest is None:
          {{_('Never run')}}
        % elif latest.outcome == 'running':
          <strong>{{_('Running')}}</strong>: {{_('{done} of {total} files, {size}', done=latest.files_done, total=latest.files_total, size=size(latest.bytes_done))}}
        % else:
          {{_(outcome_labels[latest.outcome])}} {{_.datetime(latest.finished_at or latest.started_at)}}: {{_.count(latest.files_done, '{n} file, {size}', '{n} files, {size}', size=size(latest.bytes_done))}}
          % if latest.error:
          <br><span class="problem-text small">{{latest.error}}</span>
          % end
        % end
        % if result and result.last_success_at and (latest is None or latest.outcome != 'verified'):
          <br><span class="muted small">{{_('Last verified: {when}', when=_.datetime(result.last_success_at))}}</span>
        % end
        % if target.name in state['requests']:
          <br><span class="muted small">{{_('Asked for, waiting for the engine')}}</span>
        % end
        </td>
        <td>{{_.count(result.files_held if result else 0, '{n} file, {size}', '{n} files, {size}', size=size(result.bytes_held if result else 0))}}<br><span class="muted small">{{_(item['verified_by'])}}</span></td>
        <td class="actions">
          <form method="post" action="/admin/backup/targets/{{target.name}}/test" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Test the connection')}}</button></form>
          <form method="post" action="/admin/backup/targets/{{target.name}}/run" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Back up now')}}</button></form>
          <a href="/admin/backup?edit={{target.name}}#target-form">{{_('Edit')}}</a>
          <form method="post" action="/admin/backup/targets/{{target.name}}/delete" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Remove')}}</button></form>
        </td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  % else:
  <p class="muted">{{_('No target yet: add a USB disk, a NAS or an object store below.')}}</p>
  % end
</section>
<section class="panel">
  <h2>{{_('Schedule')}}</h2>
  <form method="post" action="/admin/backup" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="check"><input type="checkbox" name="enabled" value="yes"{{!' checked' if schedule['enabled'] else ''}}> {{_('Back up to every target that is on, on this schedule')}}</label>
    <div class="form-grid">
      <label class="check"><input type="radio" name="every" value="day"{{!' checked' if schedule['every'] == 'day' else ''}}> {{_('Every day at')}}</label>
      <label{{!' class="has-problem"' if 'backup.schedule.at' in problems else ''}}>{{_('Time (HH:MM)')}}
        <input name="at" value="{{schedule['at']}}">
        % if 'backup.schedule.at' in problems:
        <span class="field-problem">{{problems['backup.schedule.at']}}</span>
        % end
      </label>
      <label class="check"><input type="radio" name="every" value="hours"{{!' checked' if schedule['every'] == 'hours' else ''}}> {{_('Every few hours')}}</label>
      <label{{!' class="has-problem"' if 'backup.schedule.hours' in problems else ''}}>{{_('Hours between backups')}}
        <input name="hours" value="{{schedule['hours']}}" inputmode="numeric">
        % if 'backup.schedule.hours' in problems:
        <span class="field-problem">{{problems['backup.schedule.hours']}}</span>
        % end
      </label>
    </div>
    <p class="hint">{{_('Each backup sends what changed since the last one: finished recordings with their sidecars, voicemail messages, a database snapshot, the configuration and the public signing key. Every file is checked in the target before the recording or message counts as backed up. A backup runs at a low priority and never delays a line.')}}</p>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
</section>
<section class="panel" id="target-form">
  <h2>{{_('Change target {name}', name=typed['name']) if editing else _('Add a target')}}</h2>
  <form method="post" action="/admin/backup/targets" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="form-grid">
    % if editing:
      <input type="hidden" name="name" value="{{typed['name']}}">
    % else:
      % field('name', _('Target name'), hint=_('a-z, 0-9, - and _; e.g. nas'))
    % end
      <label{{!' class="has-problem"' if 'target.kind' in problems else ''}}>{{_('Kind')}}
        <select name="kind">
        % for kind in kinds:
          <option value="{{kind}}"{{!' selected' if typed.get('kind') == kind else ''}}>{{_(kind_labels[kind])}}</option>
        % end
        </select>
      </label>
      % field('path', _('Folder'), hint=_('USB disk: the folder on the mounted disk, e.g. /media/usb/linerec. Otherwise the folder on the server or in the bucket.'))
      % field('host', _('Server (SFTP, SMB)'))
      % field('port', _('Port (empty: the usual one)'))
      % field('user', _('User name (SFTP, SMB)'))
      % field('share', _('Share (SMB)'))
      % field('domain', _('Domain (SMB, empty: WORKGROUP)'))
      % field('endpoint', _('Endpoint (S3), e.g. https://minio.office.lan:9000'))
      % field('region', _('Region (S3)'))
      % field('bucket', _('Bucket (S3)'))
      <label>{{_('Provider (S3)')}}
        <select name="provider">
        % for provider in providers:
          <option value="{{provider}}"{{!' selected' if typed.get('provider') == provider else ''}}>{{provider}}</option>
        % end
        </select>
      </label>
    </div>
    <label class="check"><input type="checkbox" name="enabled" value="yes"{{!' checked' if typed.get('enabled') else ''}}> {{_('This target is on')}}</label>
    <label class="check"><input type="checkbox" name="allow_same_disk" value="yes"{{!' checked' if typed.get('allow_same_disk') else ''}}> {{_("USB disk: allow a folder on the box's own disk")}}</label>
    <h3>{{_('Password and keys')}}</h3>
    <p class="hint">{{_("Kept only in the box's own rclone configuration, readable by the box alone; never shown again, never in the configuration file or the audit log. Leave a field empty to keep what is set.")}}</p>
    <div class="form-grid">
    % for secret in ('password', 'access_key_id', 'secret_access_key'):
      <label{{!' class="has-problem"' if 'secret_' + secret in problems else ''}}>{{_(secret_labels[secret])}}
        <input name="secret_{{secret}}" type="password" autocomplete="new-password" value="">
        % if 'secret_' + secret in problems:
        <span class="field-problem">{{problems['secret_' + secret]}}</span>
        % end
      </label>
    % end
    </div>
    <label>{{_(secret_labels['private_key'])}} <textarea name="secret_private_key" rows="3" autocomplete="off"></textarea></label>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
</section>
<section class="panel">
  <h2>{{_('Last runs')}}</h2>
  % if state['runs']:
  <div class="table-wrap">
  <table class="backup-runs stack">
    <thead><tr><th scope="col">{{_('Started')}}</th><th scope="col">{{_('Target')}}</th><th scope="col">{{_('Outcome')}}</th><th scope="col" class="numeric">{{_('Files')}}</th><th scope="col" class="numeric">{{_('Size')}}</th><th scope="col">{{_('Problem')}}</th></tr></thead>
    <tbody>
    % for run in state['runs']:
      <tr><td class="c-time">{{_.datetime(run.started_at)}}</td><td>{{run.target}}</td><td>{{_(outcome_labels[run.outcome])}}</td><td class="numeric">{{run.files_done}} / {{run.files_total}}</td><td class="numeric">{{size(run.bytes_done)}}</td><td>{{run.error or ''}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  % else:
  <p class="muted">{{_('No backup has run yet.')}}</p>
  % end
</section>
