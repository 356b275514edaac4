% rebase('layout.tpl', title=_('E-mail'), page='admin')
% include('admin_nav.tpl', current='/admin/email')
<h1>{{_('E-mail')}}</h1>
% include('settings_outcome.tpl', outcome=outcome)
% if problems:
<p class="problem" role="alert">{{problems.get('general') or _('Please correct the fields marked below.')}}</p>
% end
% def problem(key):
  % if key in problems:
<span class="field-problem">{{problems[key]}}</span>
  % end
% end
<p class="hint">{{_('The mail server the box sends its notices through: each new voicemail message, with its audio attached. Leave the server empty to send none.')}}</p>
<form method="post" action="/admin/email" class="settings" autocomplete="off">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
    <label{{!' class="has-problem"' if 'host' in problems else ''}}>{{_('Mail server')}} <input name="host" value="{{typed['host']}}" spellcheck="false" placeholder="smtp.office.example">
      % problem('host')
    </label>
    <label{{!' class="has-problem"' if 'port' in problems else ''}}>{{_('Port')}} <input name="port" value="{{typed['port']}}" inputmode="numeric">
      % problem('port')
    </label>
    <label{{!' class="has-problem"' if 'tls' in problems else ''}}>{{_('Encryption')}} <select name="tls">
      % names = {'starttls': _('STARTTLS (port 587)'), 'tls': _('TLS (port 465)'), 'none': _('None')}
      % for mode in tls_modes:
      <option value="{{mode}}"{{!' selected' if typed['tls'] == mode else ''}}>{{names[mode]}}</option>
      % end
    </select>
      % problem('tls')
    </label>
    <label{{!' class="has-problem"' if 'user' in problems else ''}}>{{_('User name')}} <input name="user" value="{{typed['user']}}" spellcheck="false">
      % problem('user')
    </label>
    <label{{!' class="has-problem"' if 'password' in problems else ''}}>{{_('Password')}} <input type="password" name="password" value="" autocomplete="new-password" placeholder="{{_('Kept; type to change') if has_password else ''}}">
      % problem('password')
    </label>
    % if has_password:
    <label class="check"><input type="checkbox" name="remove_password" value="yes"> {{_('Remove the password')}}</label>
    % end
    <label{{!' class="has-problem"' if 'sender' in problems else ''}}>{{_('Sender')}} <input name="sender" value="{{typed['sender']}}" spellcheck="false" placeholder="linerec@office.example">
      % problem('sender')
    </label>
    <label{{!' class="has-problem"' if 'recipients' in problems else ''}}>{{_('Recipients')}} <input name="recipients" value="{{typed['recipients']}}" spellcheck="false" placeholder="boss@office.example, desk@office.example">
      % problem('recipients')
    </label>
  </div>
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
  </div>
</form>
