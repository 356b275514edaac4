% rebase('layout.tpl', title=_('My account'), page='account', main_class='narrow')
<h1>{{_('My account')}}</h1>
<p>{{user.username}} · {{_({'super': 'Super', 'leader': 'Leader', 'operator': 'Operator'}[user.level])}}{{!' · ' if user.group_name else ''}}{{user.group_name or ''}}</p>
% if saved == 'password':
<p class="notice" role="status">{{_('Your password was changed. Other sessions were signed out.')}}</p>
% elif saved in ('language', 'pop', 'birthday'):
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
% if pop:
% rules = pop['rules']
<h2>{{_("Caller's card")}}</h2>
<form method="post" action="/account/pop" class="stacked pop-rules">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <fieldset>
    <legend>{{_('Cards for calls on')}}</legend>
    <label class="check"><input type="radio" name="lines" value="all"{{!' checked' if rules.lines == 'all' else ''}}> {{_('every line I see')}}</label>
    <label class="check"><input type="radio" name="lines" value="mine"{{!' checked' if rules.lines == 'mine' else ''}}> {{_('only the lines given to me')}}</label>
  </fieldset>
  % if pop['grades']:
  <fieldset>
    <legend>{{_('Only customers of these levels (none ticked: any)')}}</legend>
    % for grade in pop['grades']:
    <label class="check"><input type="checkbox" name="grade" value="{{grade}}"{{!' checked' if grade in rules.grades else ''}}> {{grade}}</label>
    % end
  </fieldset>
  % end
  % if pop['categories']:
  <fieldset>
    <legend>{{_('Only customers in these groups (none ticked: any)')}}</legend>
    % for category in pop['categories']:
    <label class="check"><input type="checkbox" name="category" value="{{category}}"{{!' checked' if category in rules.categories else ''}}> {{category}}</label>
    % end
  </fieldset>
  % end
  <label class="check"><input type="checkbox" name="unknown" value="yes"{{!' checked' if rules.unknown else ''}}> {{_('Callers who are not customers pop a card too')}}</label>
  <label>{{_('Close the card this many seconds after the call (0: keep it open)')}} <input name="close_after_s" type="number" min="0" max="{{pop['limit']}}" value="{{rules.close_after_s}}" required></label>
  <button type="submit">{{_('Save')}}</button>
</form>
% end
% from webui.pages.memos import staff_birthday
<h2>{{_('Birthday')}}</h2>
<form method="post" action="/account/birthday" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('My birthday (colleagues see it coming)')}} <input type="date" name="birthday" value="{{staff_birthday(ctx, user.id)}}"></label>
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
