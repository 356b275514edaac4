% rebase('layout.tpl', title=_('Set up linerec'), main_class='narrow')
<h1>{{_('Set up linerec')}}</h1>
<p>{{_('This box has no users yet. Create the first account: it can do everything, including adding the other users.')}}</p>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="/setup" class="stacked">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('User name')}} <input name="username" value="{{username}}" required maxlength="64" autocomplete="username"></label>
  <label>{{_('Password')}} <input name="password" type="password" required minlength="8" autocomplete="new-password"></label>
  <label>{{_('Password again')}} <input name="password_again" type="password" required minlength="8" autocomplete="new-password"></label>
  <label>{{_('Language')}}
    <select name="language">
    % for code, label in languages.items():
      <option value="{{code}}"{{!' selected' if code == _.language else ''}}>{{label}}</option>
    % end
    </select>
  </label>
  <button type="submit">{{_('Create the account')}}</button>
</form>
