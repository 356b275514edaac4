% rebase('layout.tpl', title=_('Encryption'), page='admin')
% include('admin_nav.tpl', current='/admin/encryption')
<h1>{{_('Encryption')}}</h1>
% include('settings_outcome.tpl', outcome=outcome)
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if notice:
<p class="notice" role="status">{{_({'set_up': 'The recordings key is made and unlocked; encryption is on. Keep the passphrase and the key file safe: without them no encrypted recording can be played again.', 'unlocked': 'The recordings key is unlocked: encrypted recordings play and export.', 'locked': 'The recordings key is locked.', 'key_file': 'The key file is written.', 'passphrase': 'The passphrase is changed.'}.get(notice, ''))}}</p>
% end
<section class="panel encryption-state">
  <h2>{{_('State')}}</h2>
  <p class="{{'problem' if state in ('locked', 'not_set_up') else 'notice'}}" id="encryption-state" data-state="{{state}}">{{_({'off': 'Recordings are not encrypted at rest.', 'not_set_up': 'Encryption is on, but the box has no recordings key: recordings stay plain until it is set up.', 'locked': 'Recordings are encrypted; the key is locked: playing and exporting wait for the passphrase.', 'unlocked': 'Recordings are encrypted; the key is unlocked in the web until it stops or is locked.'}[state])}}</p>
  <dl class="facts">
    % if fingerprint:
    <dt>{{_('Recordings key')}}</dt><dd><code>{{fingerprint}}</code></dd>
    % end
    <dt>{{_('Encryption')}}</dt><dd>{{_('on') if settings.enabled else _('off')}}</dd>
    <dt>{{_('Encrypted recordings')}}</dt><dd>{{counts['encrypted']}}</dd>
    <dt>{{_('Recordings still plain')}}</dt><dd>{{counts['plain']}}</dd>
    % if settings.key_file:
    <dt>{{_('Key file')}}</dt><dd><code>{{settings.key_file}}</code></dd>
    % end
  </dl>
  % if key_file_problem:
  <p class="problem">{{_('The key file cannot be used: {detail}', detail=key_file_problem)}}</p>
  % end
</section>
% if not fingerprint:
<section class="panel">
  <h2>{{_('Set up encryption')}}</h2>
  <p class="muted">{{_('A passphrase of at least {n} characters, a key file on a USB stick, or both. The box keeps only the public key and the key sealed by the passphrase; the passphrase itself is never stored.', n=min_passphrase)}}</p>
  <form method="post" action="/admin/encryption/setup" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Passphrase')}} <input type="password" name="passphrase" autocomplete="new-password"></label>
    <label>{{_('Passphrase again')}} <input type="password" name="passphrase_again" autocomplete="new-password"></label>
    <label>{{_('Key file to write (optional)')}} <input type="text" name="key_file" placeholder="/media/usb/linerec.key"></label>
    <div class="row"><button type="submit">{{_('Set up and turn on')}}</button></div>
  </form>
</section>
% elif state == 'locked':
<section class="panel">
  <h2>{{_('Unlock')}}</h2>
  <form method="post" action="/admin/encryption/unlock" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    % if sealed:
    <label>{{_('Passphrase')}} <input type="password" name="passphrase" autocomplete="current-password"></label>
    % end
    <label>{{_('or the key file')}} <input type="text" name="key_file" placeholder="/media/usb/linerec.key"></label>
    <div class="row"><button type="submit">{{_('Unlock')}}</button></div>
  </form>
</section>
% else:
<section class="panel">
  <h2>{{_('The unlocked key')}}</h2>
  <form method="post" action="/admin/encryption/lock" class="inline">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit">{{_('Lock now')}}</button>
  </form>
  <form method="post" action="/admin/encryption/key-file" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Write a key file to')}} <input type="text" name="key_file" placeholder="/media/usb/linerec.key"></label>
    <div class="row"><button type="submit">{{_('Write the key file')}}</button></div>
  </form>
  <form method="post" action="/admin/encryption/passphrase" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('New passphrase')}} <input type="password" name="passphrase" autocomplete="new-password"></label>
    <label>{{_('Passphrase again')}} <input type="password" name="passphrase_again" autocomplete="new-password"></label>
    <div class="row"><button type="submit">{{_('Change the passphrase')}}</button></div>
  </form>
</section>
% end
% if fingerprint:
<section class="panel">
  <h2>{{_('Settings')}}</h2>
  <form method="post" action="/admin/encryption/settings" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label><input type="checkbox" name="enabled" value="yes"{{!' checked' if settings.enabled else ''}}> {{_('Encrypt recordings as soon as their call ends')}}</label>
    <label>{{_('Key file to unlock from when it is there (a USB stick)')}} <input type="text" name="key_file" value="{{settings.key_file}}" placeholder="/media/usb/linerec.key"></label>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
</section>
% end
