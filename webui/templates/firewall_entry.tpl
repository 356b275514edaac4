% rebase('layout.tpl', title=_('Call firewall'), page='firewall')
<p class="crumbs"><a href="/firewall">{{_('Call firewall')}}</a></p>
<h1>{{_(list_names[entry.list])}} · <span class="number">{{entry.number}}</span></h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<p class="muted">{{_('Added {when} by {who}.', when=_.datetime(entry.added_at), who=entry.added_by_name or '—')}}</p>
% if needs_approval:
<p class="hint">{{_('Your changes wait for a leader of your group to approve them.')}}</p>
% end
<form method="post" action="/firewall/numbers/{{entry.id}}" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('firewall_entry_fields.tpl', typed=typed, with_list=False, list_names=list_names, action_names=action_names)
  <div class="row"><button type="submit">{{_('Save')}}</button></div>
</form>
<form method="post" action="/firewall/numbers/{{entry.id}}/delete" class="row" data-confirm="{{_('Take {number} off the list?', number=entry.number)}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Take it off the list')}}</button>
</form>
