% rebase('layout.tpl', title=_('Sign in'), main_class='narrow')
<h1>linerec</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="/login" class="stacked">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="next" value="{{next}}">
  <label>{{_('User name')}} <input name="username" value="{{username}}" required autofocus autocomplete="username"></label>
  <label>{{_('Password')}} <input name="password" type="password" required autocomplete="current-password"></label>
  <button type="submit">{{_('Sign in')}}</button>
</form>
