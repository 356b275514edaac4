% form = 'note' if customer and ctx.can('contacts') else ('quick' if not customer and not hidden_customer and number and ctx.can('customers_add') else 'none')
<section class="pop-card{{' ended' if ended else ''}}" data-call="{{call.id}}" data-line="{{call.line}}" data-customer="{{customer.id if customer else ''}}" data-form="{{form}}">
  <header data-live="header">
    <strong>{{_('Line {n}', n=call.line)}}</strong> {{line_name}}
    <span class="pop-state">{{state_label}}{{' · ' + _.duration(call.duration_s) if ended and call.duration_s else ''}}</span>
    <button type="button" class="pop-close link" data-close aria-label="{{_('Close')}}">×</button>
  </header>
  % if get('task_card'):
  % include('task_card.tpl', card=task_card, line=call.line)
  % end
  % if ctx.can('record') and call.line in manual and not ended:
  <div class="pop-record">
  % include('record_button.tpl', line=call.line, call_id=call.id, status=status, shown=status is not None and status.state in ('in_call', 'silent', 'seized'))
  </div>
  % end
  % if ctx.can('survey') and not ended:
  <div class="pop-survey">
  % include('survey_button.tpl', line=call.line, call_id=call.id, shown=status is not None and status.state in ('in_call', 'silent') and not status.act)
  </div>
  % end
  <p class="pop-dial">
  % include('dial_stage.tpl', line=call.line, call_id=call.id, stage=status.dial if status is not None and status.call_id == call.id else None)
  </p>
  <p class="pop-number" data-live="number">
    % if number:
    <span class="number">{{number}}</span>
    % elif call.reason_absent:
    <span class="number">{{_('Number withheld')}}</span>
    % else:
    <span class="number">{{_('Number not known yet')}}</span>
    % end
    <span class="location">{{(call.location_zh if _.language == 'zh-CN' else call.location_en) or ''}}</span>
    % if call.name:
    <span class="cid-name">{{call.name}}</span>
    % end
  </p>
  % if ended and number:
  <div class="pop-call-back">
  % include('dial_button.tpl', call_id=call.id)
  </div>
  % end
  % if customer:
  <div class="customer" data-live="customer">
    <h3><a href="/customers/{{customer.id}}">{{customer.name}}</a></h3>
    <dl>
      % if customer.company:
      <dt>{{_('Company')}}</dt><dd>{{customer.company}}</dd>
      % end
      % if customer.category:
      <dt>{{_('Group')}}</dt><dd>{{customer.category}}</dd>
      % end
      % if customer.grade:
      <dt>{{_('Level')}}</dt><dd>{{customer.grade}}</dd>
      % end
      <dt>{{_('Numbers')}}</dt>
      <dd>
      % for number in customer.numbers:
        <span class="customer-number">{{number.number}}{{' (' + number.label + ')' if number.label else ''}}</span>
      % end
      </dd>
    </dl>
    % if ctx.can('service') or ctx.can('admin'):
    <a class="small pop-ticket" href="/service/new?customer={{customer.id}}&amp;call={{call.id}}" target="_blank" rel="noopener">{{_('New ticket')}}</a>
    % end
  </div>
  % if get('answers'):
  <details class="pop-answers">
    <summary>{{_('Answers ({n})', n=len(answers))}}</summary>
    <ul class="recent-contacts">
    % for hit in answers:
      <li><a href="/knowledge/{{hit.entry.id}}" target="_blank" rel="noopener">{{hit.entry.title}}</a>
        <span class="muted small">\\
% include('knowledge_marked.tpl', segments=hit.snippet)
</span></li>
    % end
    </ul>
  </details>
  % end
  % if others:
  <div class="also-customers" data-live="others">
    <p class="muted">{{_('This number is also the number of:')}}</p>
    <ul>
    % for other in others:
      <li><a href="/customers/{{other.id}}">{{other.name}}</a>{{' · ' + other.company if other.company else ''}}</li>
    % end
    </ul>
  </div>
  % end
  % elif hidden_customer:
  <p class="muted">{{_('This number belongs to a customer you cannot see.')}}</p>
  % elif form == 'quick':
  <form class="quick-add stacked" method="post" action="/pop/{{call.id}}/customer" data-pop-form>
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p class="muted">{{_('Unknown number: add the caller as a customer.')}}</p>
    <label>{{_('Name')}} <input name="name" required maxlength="200"></label>
    <label>{{_('Company')}} <input name="company" maxlength="200"></label>
    <label>{{_('Number')}} <input value="{{number}}" readonly></label>
    % if required_fields:
    % include('custom_inputs.tpl', fields=required_fields, typed={}, problems={})
    % end
    % if ctx.can('contacts'):
    <label>{{_('Note')}} <textarea name="text" rows="2" maxlength="4000"></textarea></label>
    % end
    <button type="submit">{{_('Add customer')}}</button>
    <span class="form-result" role="status"></span>
  </form>
  % end
  <div data-live="recent">
  % if recent:
  <h4>{{_('Recent calls')}}</h4>
  <ul class="recent-calls">
  % for past in recent:
    <li>{{_.datetime(past.started_at)}} · {{_({'in': 'Incoming', 'out': 'Outgoing'}.get(past.direction, past.direction))}} · {{_({'answered': 'Answered', 'missed': 'Missed', 'unanswered': 'Not answered', 'blocked': 'Blocked', 'busy': 'Busy', 'failed': 'Failed', 'in_progress': 'In progress'}.get(past.outcome, past.outcome))}}{{' · ' + _.duration(past.duration_s) if past.duration_s else ''}}
    % if ctx.can('recordings_listen'):
      % for recording in recordings.get(past.id, []):
      <a href="/recordings/{{recording.id}}">{{_('Recording')}}</a>
      % end
    % end
    </li>
  % end
  </ul>
  % end
  % if contacts:
  <h4>{{_('Recent contact records')}}</h4>
  <ul class="recent-contacts">
  % for contact in contacts:
    <li>{{_.datetime(contact.at)}} · {{contact.added_by_name or ''}}: {{contact.text}}
      % if contact.call_id in calls_seen:
      <a href="/calls/{{contact.call_id}}" class="contact-call small">{{_('The call')}}</a>
      % end
    </li>
  % end
  </ul>
  % end
  </div>
  % campaign_outcomes = get('campaign_outcomes', {})
  % for campaign in get('call_campaigns', []):
  <form class="pop-campaign row" method="post" action="/calls/{{call.id}}/campaign" data-pop-form>
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="campaign" value="{{campaign.id}}">
    % marked = campaign_outcomes[campaign.id].outcome if campaign.id in campaign_outcomes else ''
    <label>{{campaign.name}} <select name="outcome">
      <option value="">{{_('Not said')}}</option>
      <option value="interested"{{!' selected' if marked == 'interested' else ''}}>{{_('Interested')}}</option>
      <option value="not_interested"{{!' selected' if marked == 'not_interested' else ''}}>{{_('Not interested')}}</option>
    </select></label>
    <button type="submit">{{_('Save')}}</button>
    <span class="form-result" role="status"></span>
  </form>
  % end
  % if ctx.can('firewall') and number and call.direction == 'in':
  <form class="pop-block" method="post" action="/pop/{{call.id}}/block" data-pop-form data-confirm="{{_('Put {number} on the black list?', number=number)}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <button type="submit" class="danger">{{_('Block this caller')}}</button>
    <span class="form-result" role="status"></span>
  </form>
  % end
  % if form == 'note':
  <form class="pop-note" method="post" action="/pop/{{call.id}}/note" data-pop-form>
    <input type="hidden" name="csrf" value="{{csrf}}">
    % if others:
    <label>{{_('Customer')}} <select name="customer_id">
      % for choice in [customer, *others]:
      <option value="{{choice.id}}">{{choice.name}}</option>
      % end
    </select></label>
    % else:
    <input type="hidden" name="customer_id" value="{{customer.id}}">
    % end
    <label>{{_('Note')}} <textarea name="text" rows="3" required maxlength="4000"></textarea></label>
    <button type="submit">{{_('Save note')}}</button>
    <span class="form-result" role="status"></span>
  </form>
  % end
</section>
