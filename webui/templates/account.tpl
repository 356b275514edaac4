% rebase('layout.tpl', title=_('My account'), page='account', main_class='narrow')
<h1>{{_('My account')}}</h1>
<p>{{user.username}} · {{_({'super': 'Super', 'leader': 'Leader', 'operator': 'Operator'}[user.level])}}{{!' · ' if user.group_name else ''}}{{user.group_name or ''}}</p>
% if saved == 'password':
<p class="notice" role="status">{{_('Your password was changed. Other sessions were signed out.')}}</p>
% elif saved == 'language':
<p class="notice" role="status">{{_('Saved.')}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<h2>{{_('Language')}}</h2>
<form method="post" action="/account/language" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <select name="language" aria-label="{{_('Language')}}">
  % for code, label in languages.items():
    <option value="{{code}}"{{!' selected' if code == user.language else ''}}>{{label}}</option>
  % end
  </select>
  <button type="submit">{{_('Save')}}</button>
</form>
<h2>{{_('Change password')}}</h2>
<form method="post" action="/account/password" class="stacked">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Current password')}} <input name="current" type="password" required autocomplete="current-password"></label>
  <label>{{_('New password')}} <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
  <label>{{_('New password again')}} <input name="password_again" type="password" required minlength="8" autocomplete="new-password"></label>
  <button type="submit">{{_('Change password')}}</button>
</form>
