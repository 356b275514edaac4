% rebase('layout.tpl', title=_('Campaign'), page='campaigns', styles=['service.css'])
<p class="crumbs"><a href="/campaigns">{{_('Campaigns')}}</a>
% if campaign:
· <a href="/campaigns/{{campaign.id}}">{{campaign.name}}</a>
% end
</p>
<h1>{{_('Edit the campaign') if campaign else _('New campaign')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="{{'/campaigns/%d/edit' % campaign.id if campaign else '/campaigns/new'}}" class="stacked ticket-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{limits['name']}}" required></label>
  <div class="form-grid">
    <label>{{_('First day')}} <input type="date" name="starts_on" value="{{typed['starts_on']}}" required></label>
    <label>{{_('Last day')}} <input type="date" name="ends_on" value="{{typed['ends_on']}}" required></label>
  </div>
  <fieldset>
    <legend>{{_('Targets: customers of these groups')}}</legend>
    % if not groups:
    <p class="muted">{{_('No customer group yet.')}}</p>
    % end
    % for group in groups:
    <label class="check"><input type="checkbox" name="groups" value="{{group}}"{{!' checked' if group in typed['groups'] else ''}}> {{group}}</label>
    % end
  </fieldset>
  <fieldset>
    <legend>{{_('and of these levels')}}</legend>
    % if not levels:
    <p class="muted">{{_('No customer level yet.')}}</p>
    % end
    % for level in levels:
    <label class="check"><input type="checkbox" name="levels" value="{{level}}"{{!' checked' if level in typed['levels'] else ''}}> {{level}}</label>
    % end
  </fieldset>
  <p class="hint">{{_('The targets are the customers you see in these groups or levels, with those chosen by hand on the campaign page; saving builds the list again.')}}</p>
  <label>{{_('Notes')}} <textarea name="notes" rows="3" maxlength="{{limits['notes']}}">{{typed['notes']}}</textarea></label>
  <button type="submit">{{_('Save')}}</button>
</form>
