% from webui.pages.memos import chosen_presence
% chosen = chosen_presence(ctx)
<form method="post" action="/presence" class="inline presence-form" data-presence-form>
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="back" value="{{ctx.request.fullpath if ctx.request.method == 'GET' else '/'}}">
  <span class="presence-dot presence-{{chosen}}" data-presence-dot aria-hidden="true"></span>
  <select name="presence" aria-label="{{_('My presence')}}" title="{{_('My presence')}}">
    <option value="online"{{!' selected' if chosen == 'online' else ''}}>{{_('Online')}}</option>
    <option value="away"{{!' selected' if chosen == 'away' else ''}}>{{_('Away')}}</option>
  </select>
  <button type="submit" class="link presence-set">{{_('Set')}}</button>
</form>
