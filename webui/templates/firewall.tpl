% rebase('layout.tpl', title=_('Call firewall'), page='firewall')
% prompt_names = {str(p.id): p.name for p in ctx.deps.prompts.prompts()}
<h1>{{_('Call firewall')}}</h1>
% if notice:
<p class="notice" role="status">{{_(notice)}}</p>
% end
% if offline:
<p class="notice warn" role="status">{{_('Saved. The line engine is not running or did not answer: the change applies when it next starts.')}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<p class="muted">{{_('A caller on the red list always rings, whatever any rule says. A caller on the black list, or one a rule matches, never rings: the box answers and hangs up, or answers with a message. Every blocked call is in the call log, with the rule that blocked it.')}}</p>
% if decide:
<section class="panel" id="approvals">
  <h2>{{_('Waiting for your approval')}} <span class="badge">{{len(decide)}}</span></h2>
  <div class="table-wrap">
  <table class="stack">
    <thead><tr><th>{{_('Asked')}}</th><th>{{_('By')}}</th><th>{{_('Change')}}</th><th>{{_('List')}}</th><th>{{_('Number')}}</th><th>{{_('Note')}}</th><th></th></tr></thead>
    <tbody>
    % for change in decide:
      <tr data-pending="{{change.id}}">
        <td>{{_.datetime(change.asked_at)}}</td>
        <td>{{change.asked_by_name}}</td>
        <td>{{_(change_names[change.change])}}</td>
        <td>{{_(list_names[change.list])}}</td>
        <td class="number">{{change.number}}</td>
        <td class="wrap">{{change.note}}</td>
        <td>
          <form method="post" action="/firewall/pending/{{change.id}}" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" name="decision" value="approve">{{_('Approve')}}</button>
            <button type="submit" name="decision" value="refuse" class="secondary">{{_('Refuse')}}</button>
          </form>
        </td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
</section>
% end
% if mine:
<section class="panel">
  <h2>{{_('Your changes waiting for approval')}}</h2>
  <ul>
  % for change in mine:
    <li>{{_.datetime(change.asked_at)}} · {{_(change_names[change.change])}} · {{_(list_names[change.list])}} · <span class="number">{{change.number}}</span></li>
  % end
  </ul>
</section>
% end
<section class="panel" id="lists">
  <h2>{{_('Black and red lists')}}</h2>
  <p class="result-bar">
    <span>{{_('Black list')}}: {{counts['black']}} · {{_('Red list')}}: {{counts['red']}}</span>
    <a class="button secondary" href="/firewall.xlsx?{{'list=' + chosen + '&' if chosen else ''}}q={{text}}" download>{{_('Export to Excel')}}</a>
    <a class="button secondary" href="/firewall/import">{{_('Import')}}</a>
  </p>
  <form method="get" action="/firewall" class="row search-form">
    <label>{{_('List')}}
      <select name="list">
        <option value="">{{_('Both lists')}}</option>
        % for value, label in list_names.items():
        <option value="{{value}}"{{!' selected' if chosen == value else ''}}>{{_(label)}}</option>
        % end
      </select>
    </label>
    <label>{{_('Search')}} <input name="q" value="{{text}}" maxlength="60" placeholder="{{_('part of a number or note')}}"></label>
    <button type="submit">{{_('Search')}}</button>
  </form>
  <details class="filters"{{!' open' if problem and typed.get('number') else ''}}>
    <summary>{{_('Add a number')}}</summary>
    % if needs_approval:
    <p class="hint">{{_('Your changes wait for a leader of your group to approve them.')}}</p>
    % end
    <form method="post" action="/firewall/numbers" class="stacked settings-form">
      <input type="hidden" name="csrf" value="{{csrf}}">
      % include('firewall_entry_fields.tpl', typed=typed, with_list=True, list_names=list_names, action_names=action_names)
      <div class="row"><button type="submit">{{_('Add')}}</button></div>
    </form>
  </details>
  % if entries:
  <div class="table-wrap">
  <table class="stack firewall-numbers">
    <thead><tr><th>{{_('List')}}</th><th>{{_('Number')}}</th><th>{{_('Note')}}</th><th>{{_('Action')}}</th><th>{{_('Added')}}</th><th>{{_('Expires')}}</th><th></th></tr></thead>
    <tbody>
    % for entry in entries:
      <tr data-entry="{{entry.id}}" class="list-{{entry.list}}">
        <td><span class="badge">{{_(list_names[entry.list])}}</span></td>
        <td class="number">{{entry.number}}</td>
        <td class="wrap">{{entry.note}}</td>
        <td>{{_(action_names[entry.action]) if entry.list == 'black' else _('Always rings')}}{{' · ' + prompt_names.get(entry.message_prompt, entry.message_prompt) if entry.message_prompt else ''}}</td>
        <td>{{_.date(entry.added_at)}} · {{entry.added_by_name}}</td>
        <td>{{_.date(entry.expires_at - 1) if entry.expires_at else _('never')}}</td>
        <td><a href="/firewall/numbers/{{entry.id}}">{{_('Change')}}</a></td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  % if more:
  <p class="muted">{{_('Only the first {n} are shown: search to find the others.', n=len(entries))}}</p>
  % end
  % else:
  <p class="muted">{{_('No numbers on the lists match.')}}</p>
  % end
</section>
<section class="panel" id="rules">
  <h2>{{_('Rules')}}</h2>
  <p class="muted">{{_('Tried in this order after the lists; the first that matches a call blocks it.')}}</p>
  % if rules:
  <div class="table-wrap">
  <table class="stack firewall-rules">
    <thead><tr><th>#</th><th>{{_('Rule')}}</th><th>{{_('Action')}}</th><th>{{_('Enabled')}}</th><th>{{_('Note')}}</th><th></th></tr></thead>
    <tbody>
    % for index, rule in enumerate(rules, start=1):
      <tr data-rule="{{rule.id}}" class="{{'' if rule.enabled else 'muted'}}">
        <td>{{index}}</td>
        <td>{{rule_text(_, rule)}}</td>
        <td>{{_(action_names[rule.action])}}{{' · ' + prompt_names.get(rule.message_prompt, rule.message_prompt) if rule.message_prompt else ''}}</td>
        <td>{{_('yes') if rule.enabled else _('no')}}</td>
        <td class="wrap">{{rule.note}}</td>
        <td>
          % if ctx.can('admin'):
          <a href="/firewall/rules/{{rule.id}}">{{_('Change')}}</a>
          <form method="post" action="/firewall/rules/{{rule.id}}/move" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" name="direction" value="up" class="secondary" title="{{_('Move earlier')}}">↑</button>
            <button type="submit" name="direction" value="down" class="secondary" title="{{_('Move later')}}">↓</button>
          </form>
          % end
        </td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  % else:
  <p class="muted">{{_('No rules yet.')}}</p>
  % end
  % if ctx.can('admin'):
  <p><a class="button" href="/firewall/rules/new">{{_('Add a rule')}}</a></p>
  % end
</section>
% if ctx.can('admin'):
<section class="panel" id="settings">
  <h2>{{_('Approval')}}</h2>
  <form method="post" action="/firewall/settings" class="stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="check"><input type="checkbox" name="approval" value="yes"{{!' checked' if approval else ''}}> {{_("Operators' changes of the lists need a leader's approval")}}</label>
    <span class="hint">{{_("A leader of the operator's group with the firewall permission, or a super user, approves or refuses each change.")}}</span>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
</section>
% end
