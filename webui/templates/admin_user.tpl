% title = _('User {name}', name=target.username) if target else _('Add user')
% rebase('layout.tpl', title=title, page='admin')
% include('admin_nav.tpl', current='/admin/users')
<h1>{{title}}</h1>
% notices = {'saved': _('Saved.'), 'password': _('The password was set; the user was signed out everywhere.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="{{'/admin/users/%d' % target.id if target else '/admin/users/new'}}" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
  % if target:
    <label>{{_('User name')}} <input value="{{target.username}}" readonly></label>
  % else:
    <label>{{_('User name')}} <input name="username" value="{{typed['username']}}" required maxlength="64" autocomplete="off"></label>
  % end
    <label>{{_('Display name')}} <input name="display_name" value="{{typed['display_name']}}" maxlength="64"></label>
    <label>{{_('Level')}}
      <select name="level">
      % for level, label in levels.items():
        <option value="{{level}}"{{!' selected' if level == typed['level'] else ''}}>{{label}}</option>
      % end
      </select>
    </label>
    <label>{{_('Group')}}
      <select name="group_id">
        <option value="">{{_('No group')}}</option>
      % for group in groups:
        <option value="{{group.id}}"{{!' selected' if group.id == typed['group_id'] else ''}}>{{group.name}}</option>
      % end
      </select>
    </label>
    <label>{{_('Language')}}
      <select name="language">
      % for code, label in languages.items():
        <option value="{{code}}"{{!' selected' if code == typed['language'] else ''}}>{{label}}</option>
      % end
      </select>
    </label>
  </div>
  <ul class="plain hint">
  % for level, label in levels.items():
    <li><strong>{{label}}</strong>: {{level_help[level]}}</li>
  % end
  </ul>
  % if not target:
  <div class="form-grid">
    <label>{{_('Initial password')}} <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
    <label>{{_('Password again')}} <input name="password_again" type="password" required minlength="8" autocomplete="new-password"></label>
  </div>
  % end
  <fieldset>
    <legend>{{_('Permissions')}}</legend>
    <p class="hint">{{_('A super user may do everything; for leaders and operators, tick what they may do.')}}</p>
    <div class="flag-list">
    % for flag in flags:
      <label class="check flag"><input type="checkbox" name="flag" value="{{flag}}"{{!' checked' if flag in typed['flags'] else ''}}> <span>{{descriptions[flag]}} <code>{{flag}}</code></span></label>
    % end
    </div>
  </fieldset>
  <fieldset>
    <legend>{{_('Lines')}}</legend>
    <p class="hint">{{_("The lines whose calls this user handles: the caller's card, the call log and recordings of these lines.")}}</p>
    <div class="line-list">
    % for number in lines:
      <label class="check"><input type="checkbox" name="line" value="{{number}}"{{!' checked' if number in typed['lines'] else ''}}> {{_('Line {n}', n=number)}} {{line_names.get(number, '')}}</label>
    % end
    % for number in sorted(set(typed['lines']) - set(lines)):
      <label class="check"><input type="checkbox" name="line" value="{{number}}" checked> {{_('Line {n}', n=number)}} ({{_('not configured')}})</label>
    % end
    </div>
  </fieldset>
  % if target:
  <label class="check"><input type="checkbox" name="active" value="yes"{{!' checked' if typed['active'] else ''}}> {{_('Active: may sign in')}}</label>
  % else:
  <input type="hidden" name="active" value="yes">
  % end
  <div class="row">
    <button type="submit">{{_('Save') if target else _('Add user')}}</button>
    <a class="button secondary" href="/admin/users">{{_('Cancel')}}</a>
  </div>
</form>
% if target:
<section class="panel">
  <h2>{{_('Set a new password')}}</h2>
  <p class="muted">{{_('The user is signed out everywhere and signs in with the new password.')}}</p>
  <form method="post" action="/admin/users/{{target.id}}/password" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('New password')}} <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
    <label>{{_('New password again')}} <input name="password_again" type="password" required minlength="8" autocomplete="new-password"></label>
    <button type="submit">{{_('Set password')}}</button>
  </form>
</section>
<section class="panel">
  % from webui.pages.memos import staff_birthday
  <h2>{{_('Birthday')}}</h2>
  <form method="post" action="/admin/users/{{target.id}}/birthday" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Birthday')}} <input type="date" name="birthday" value="{{staff_birthday(ctx, target.id)}}"></label>
    <button type="submit">{{_('Save')}}</button>
  </form>
</section>
<p><a class="button secondary danger-text" href="/admin/users/{{target.id}}/delete">{{_('Delete this user')}}</a></p>
% end
