% rebase('layout.tpl', title=_('Settings'), page='admin')
% include('admin_nav.tpl', current='/admin')
<h1>{{_('Settings')}}</h1>
% if not connected:
<p class="problem">{{_('The line engine is not running: changes to lines and the device are saved and apply when it starts.')}}</p>
% end
<div class="card-grid">
  <section class="panel">
    <h2><a href="/admin/users">{{_('Users')}}</a></h2>
    <p>{{_.count(len(users), '{n} user, {active} active.', '{n} users, {active} active.', active=sum(1 for u in users if u.active))}}</p>
    <p class="muted">{{_('Levels, groups, permission flags and the lines each user handles.')}}</p>
  </section>
  <section class="panel">
    <h2><a href="/admin/groups">{{_('Groups')}}</a></h2>
    <p>{{', '.join(group.name for group in groups) or _('No groups yet.')}}</p>
    <p class="muted">{{_('A group leader sees what the users of their group added.')}}</p>
  </section>
  <section class="panel">
    <h2><a href="/admin/lines">{{_('Lines')}}</a></h2>
    <ul class="plain">
    % for line in config.lines:
      <li>{{_('Line {n}', n=line.number)}} {{line.given_name}} · {{_({'auto': 'Automatic', 'vox': 'On voice', 'manual': 'By hand', 'schedule': 'On a schedule', 'off': 'Off'}[line.recording.mode]) if line.enabled else _('Disabled')}}</li>
    % end
    </ul>
  </section>
  <section class="panel">
    <h2><a href="/admin/device">{{_('Device')}}</a></h2>
    <p>{{_('Country profile')}}: {{config.device.country}}</p>
    <p>{{_.count(len(config.device.no_record), '{n} number is never recorded.', '{n} numbers are never recorded.')}}</p>
  </section>
  <section class="panel">
    <h2><a href="/admin/storage">{{_('Storage')}}</a></h2>
    % retention = config.device.retention
    <p>{{_('Retention keeps {percent} % of the disk free.', percent='{:g}'.format(retention.min_free_percent)) if retention.enabled else _('Retention is off: nothing is deleted, and the disk can fill.')}}</p>
    <p class="muted">{{_('Circular recording, age limits, legal hold, and how the disk is used.')}}</p>
  </section>
  <section class="panel">
    <h2><a href="/admin/prompts">{{_('Prompts')}}</a></h2>
    <p>{{_.count(len(prompts), '{n} prompt.', '{n} prompts.')}}</p>
    <p class="muted">{{_('What the box plays to a caller: announcements, the survey, the voicemail greeting, menus.')}}</p>
  </section>
  <section class="panel">
    <h2><a href="/admin/fields">{{_('Custom fields')}}</a></h2>
    <p class="muted">{{_('Fields of your own on customers, contact records and knowledge-base entries.')}}</p>
  </section>
  <section class="panel">
    <h2><a href="/admin/dictionary">{{_('Parameter lists')}}</a></h2>
    <p class="muted">{{_('Contact types, customer levels and groups, phone types, payment methods, order states: what the forms offer.')}}</p>
  </section>
</div>
