% rebase('layout.tpl', title=_('Health'), page='health')
<h1>{{_('Health')}}</h1>
% if report.healthy:
<p class="all-well">{{_('All is well.')}}</p>
% else:
<section class="panel problems" role="alert">
  <h2>{{_('Needs attention')}}</h2>
  <ul>
  % for problem in report.problems:
    <li>{{_(problem.text, **{name: _(value) if isinstance(value, str) else value for name, value in problem.values.items()})}}</li>
  % end
  </ul>
</section>
% end
% disk, usage, outlook, retention = report.disk, report.recordings, report.forecast, report.retention
<section class="panel">
  <h2>{{_('Storage')}}</h2>
  <dl class="facts">
  % if disk:
    <dt>{{_('Disk')}}</dt><dd>{{_('{free} free of {total}', free=size(disk.free), total=size(disk.total))}}</dd>
  % end
  % if usage:
    <dt>{{_('Recordings')}}</dt><dd>{{_.count(usage.count, '{count} recording, about {size}', '{count} recordings, about {size}', size=size(usage.bytes))}}</dd>
    <dt>{{_('Oldest recording kept')}}</dt><dd>{{_.datetime(usage.oldest_started_at) if usage.oldest_started_at else '—'}}</dd>
    <dt>{{_('Recorded a day')}}</dt><dd>{{_('{size} (average of the last 7 days)', size=size(usage.per_day))}}</dd>
  % end
  % if outlook:
    <dt>{{_('Forecast')}}</dt>
    <dd>
    % if outlook.deleting_now:
      {{_('Retention is deleting the oldest recordings now.')}}
    % elif outlook.days_until_retention is not None and outlook.days_until_retention > 3650:
      {{_('Retention will not need to delete for more than ten years at this rate.')}}
    % elif outlook.days_until_retention is not None:
      {{_('Retention starts deleting in about {days} days.', days=_.number(outlook.days_until_retention))}}
    % elif outlook.days_until_full is not None and outlook.days_until_full > 3650:
      {{_('The disk will not fill for more than ten years at this rate.')}}
    % elif outlook.days_until_full is not None:
      {{_('The disk is full in about {days} days, and retention is off.', days=_.number(outlook.days_until_full))}}
    % else:
      {{_('No estimate: nothing was recorded in the last 7 days.')}}
    % end
    </dd>
  % end
    <dt>{{_('Retention')}}</dt>
    <dd>
    % if report.retention_enabled is None:
      —
    % elif not report.retention_enabled:
      {{_('Off')}}
    % elif retention and retention.last_round_at:
      {{_('On; last round {when}: {deleted} deleted ({total} since the engine started)', when=_.datetime(retention.last_round_at), deleted=retention.last_round_deleted, total=retention.deleted_total)}}
    % else:
      {{_('On')}}
    % end
    </dd>
  % archive = report.archive
  % if archive is not None:
    <dt>{{_('Compression after the call')}}</dt>
    <dd>
    % if not archive.enabled:
      {{_('Off: recordings stay as recorded (G.711 WAV)')}}
    % else:
      {{_('On: {waiting} waiting, {done} compressed since the engine started ({size} freed)', waiting=_.number(archive.waiting), done=_.number(archive.done), size=size(archive.saved_bytes))}}{{('; ' + _('last {when}', when=_.datetime(archive.last_done_at))) if archive.last_done_at else ''}}
      % if archive.last_problem:
      <br><span class="problem small">{{_('Last problem {when}: {problem}', when=_.datetime(archive.last_problem_at), problem=archive.last_problem)}}</span>
      % end
    % end
    </dd>
  % end
  % if report.encryption is not None and (report.encryption.enabled or report.encryption.key_made):
    <dt>{{_('Encryption at rest')}}</dt>
    <dd>{{_({'off': 'Recordings are not encrypted at rest.', 'not_set_up': 'Encryption is on, but the box has no recordings key: recordings stay plain until it is set up.', 'locked': 'Recordings are encrypted; the key is locked: playing and exporting wait for the passphrase.', 'unlocked': 'Recordings are encrypted; the key is unlocked in the web until it stops or is locked.'}[key_state])}}
      % if report.encryption.enabled and report.encryption.plain:
      <br><span class="small">{{_('{count} finished recordings still plain', count=_.number(report.encryption.plain))}}</span>
      % end
    </dd>
  % end
    <dt>{{_('Database snapshot')}}</dt><dd>{{_.datetime(report.database_snapshot_at) if report.database_snapshot_at else _('none yet')}}</dd>
    <dt>{{_('Configuration copy')}}</dt><dd>{{_.datetime(report.config_copy_at) if report.config_copy_at else _('none yet')}}</dd>
  </dl>
</section>
% state = report.chain
% if state:
<section class="panel chain">
  <h2>{{_('Hash chain')}}</h2>
  <dl class="facts">
    <dt>{{_('Entries')}}</dt><dd>{{_.number(state.entries)}}</dd>
    <dt>{{_('Signed')}}</dt><dd>{{_('up to entry {n}, {when}', n=state.signed_seq, when=_.datetime(state.signed_at)) if state.signed_seq else _('not signed yet')}}</dd>
    <dt>{{_('Signing key')}}</dt>
    <dd>
    % if state.key_fingerprint:
      <code class="fingerprint">{{grouped(state.key_fingerprint)}}</code>
    % end
    % if state.key_state != 'ready':
      {{_({'none': 'none yet: it is made when there is something to sign', 'missing': 'the private key is missing', 'unreadable': 'the private key cannot be read'}.get(state.key_state, state.key_state))}}
    % end
    </dd>
  </dl>
</section>
% end
% if report.backups:
<section class="panel backups">
  <h2>{{_('Backups off the box')}}</h2>
  <dl class="facts">
  % for state in report.backups:
    <dt>{{state.target}}</dt>
    <dd><code>{{state.where}}</code>:
    % if state.last_outcome == 'running':
      {{_('running, {done} of {total} files', done=state.files_done, total=state.files_total)}}
    % elif state.last_outcome:
      {{_({'verified': 'verified', 'failed': 'failed', 'interrupted': 'interrupted'}.get(state.last_outcome, state.last_outcome))}} {{_.datetime(state.last_at)}}
    % else:
      {{_('never run')}}
    % end
    % if state.last_success_at and state.last_outcome != 'verified':
      · {{_('last verified {when}', when=_.datetime(state.last_success_at))}}
    % end
      · {{_.count(state.files_held, '{n} file, {size}', '{n} files, {size}', size=size(state.bytes_held))}}
    </dd>
  % end
  </dl>
</section>
% end
<section class="panel">
  <h2>{{_('Lines')}}</h2>
  % if not report.engine_running:
  <p>{{_('The line engine is not running.')}}</p>
  % else:
  <div class="table-wrap">
  <table>
    <thead><tr><th>{{_('Line')}}</th><th>{{_('State')}}</th><th>{{_('Behind its audio')}}</th><th>{{_('At worst')}}</th><th>{{_('Audio lost')}}</th><th>{{_('Writes waiting')}}</th></tr></thead>
    <tbody>
    % for line in report.lines:
      <tr><td>{{line.status.line}}</td><td>{{_.line_state(line.status.state)}}</td><td>{{'{:.2f}'.format(line.behind_s)}} s</td><td>{{'{:.2f}'.format(line.most_behind_s)}} s</td><td>{{_.count(line.overruns, '{n} frame', '{n} frames')}}</td><td>{{line.unsaved}}</td></tr>
    % end
    </tbody>
  </table>
  </div>
  % end
  % if report.storage_problems:
  <h3>{{_('Storage problems the engine went on past')}}</h3>
  <ul>
  % for problem in report.storage_problems:
    <li>{{_('line {line}', line=problem.line) if problem.line is not None else _('the engine')}}: {{problem.what}}: {{problem.error}} ({{_.count(problem.count, '{n} time, last {when}', '{n} times, last {when}', when=_.datetime(problem.last_at))}})</li>
  % end
  </ul>
  % end
</section>
% system = report.system
<section class="panel">
  <h2>{{_('The machine')}}</h2>
  <dl class="facts">
    <dt>{{_('Model')}}</dt><dd>{{system.model or '—'}}</dd>
    <dt>{{_('Temperature')}}</dt><dd>{{'{:.1f} °C'.format(system.temperature_c) if system.temperature_c is not None else '—'}}</dd>
    <dt>{{_('Load')}}</dt><dd>{{'{:.2f}'.format(system.load_1m) if system.load_1m is not None else '—'}} ({{_.count(system.cpus, '{n} CPU', '{n} CPUs')}})</dd>
    <dt>{{_('Memory')}}</dt><dd>{{_('{free} free of {total}', free=size(system.memory_available), total=size(system.memory_total)) if system.memory_total else '—'}}</dd>
    <dt>{{_('Running for')}}</dt><dd>{{_('{days} days', days=_.number(system.uptime_s / 86400, 1)) if system.uptime_s is not None else '—'}}</dd>
  </dl>
</section>
