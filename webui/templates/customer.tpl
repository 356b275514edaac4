% rebase('layout.tpl', title=customer.name, page='customers', scripts=['customers.js'], styles=['fields.css'])
<p class="crumbs"><a href="/customers">{{_('Customers')}}</a></p>
<div class="page-head">
  <h1>{{customer.name}}{{!' <span class="badge protected">' + _('Protected (legal hold)') + '</span>' if protected else ''}}</h1>
  <div class="actions">
  % if ctx.can('customers_edit'):
    <a class="button" href="/customers/{{customer.id}}/edit">{{_('Edit')}}</a>
  % end
  % if ctx.can('sms'):
    <a class="button secondary" href="/messages/new?customer={{customer.id}}">{{_('Send a message')}}</a>
  % end
  % if ctx.can('customers_delete'):
    <a class="button secondary danger-text" href="/customers/{{customer.id}}/delete">{{_('Delete')}}</a>
  % end
  </div>
</div>
% notices = {'added': _('The customer was added.'), 'saved': _('Saved.'), 'contact': _('The contact record was added.'), 'contact_deleted': _('The contact record was deleted.'), 'held': _('Protected: retention will not delete the recordings of this customer.'), 'released': _('The protection was removed.'), 'hold_unchanged': _('Nothing changed: it was already so.'), 'sms_cancelled': _('The message was cancelled.'), 'sms_resent': _('The message will be sent again.'), 'sms_held': _('Held for approval: some of the messages hold sensitive words; a leader or an admin decides.'), 'follow_up': _('The follow-up was added.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<div class="card-grid">
<section class="panel">
  <h2>{{_('Details')}}</h2>
  <dl class="facts">
    <dt>{{_('Company')}}</dt><dd>{{customer.company or '—'}}</dd>
    <dt>{{_('Group')}}</dt><dd>{{labels('customer_groups', customer.category) or '—'}}</dd>
    <dt>{{_('Level')}}</dt><dd>{{labels('customer_levels', customer.grade) or '—'}}</dd>
    <dt>{{_('Gender')}}</dt><dd>{{_({'male': 'Male', 'female': 'Female'}.get(customer.gender, '—'))}}</dd>
    <dt>{{_('Birthday')}}</dt><dd>{{_.date(_.local_midnight(customer.birthday) + 12 * 3600) if customer.birthday else '—'}}</dd>
    <dt>{{_('Email')}}</dt><dd>{{customer.email or '—'}}</dd>
    <dt>{{_('Address')}}</dt><dd class="multiline">{{customer.address or '—'}}</dd>
    <dt>{{_('Notes')}}</dt><dd class="multiline">{{customer.notes or '—'}}</dd>
    % include('custom_values.tpl', fields=customer_fields, values=customer_values, skip_empty=False)
    <dt>{{_('Added by')}}</dt><dd>{{customer.added_by_name or '—'}}, {{_.datetime(customer.created_at)}}</dd>
    <dt>{{_('Latest change')}}</dt><dd>{{_.datetime(customer.updated_at)}}</dd>
  </dl>
  % if may_hold:
  <form method="post" action="/customers/{{customer.id}}/hold" class="hold-controls">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="on" value="{{'no' if protected else 'yes'}}">
    <p class="hint">{{_('Legal hold: retention never deletes a recording of a call from or to a number of a protected customer, those to come included. Every change is written to the audit log.')}}</p>
    <button type="submit" class="secondary">{{_('Remove protection of this customer') if protected else _('Protect the recordings of this customer')}}</button>
  </form>
  % end
</section>
<section class="panel">
  <h2>{{_('Numbers')}}</h2>
  % if numbers:
  <ul class="numbers">
  % for number in numbers:
    <li>
      <span class="number">{{number.display}}</span>
      % include('dial_button.tpl', call_id=None, customer_id=customer.id, number=number.number)
      % if number.label:
      <span class="badge">{{labels('phone_types', number.label)}}</span>
      % end
      <span class="muted">{{' · '.join(part for part in (number.location, number.carrier) if part)}}</span>
      % if number.shared_with:
      <span class="shared-number">{{_('Also the number of')}}
        % for other in number.shared_with:
        <a href="/customers/{{other.id}}">{{other.name}}</a>
        % end
      </span>
      % end
    </li>
  % end
  </ul>
  % else:
  <p class="muted">{{_('No numbers yet.')}}</p>
  % end
  <h2>{{_('Recent calls')}}</h2>
  % if calls:
  <ul class="recent-calls">
  % for call in calls:
    <li>{{_.datetime(call.started_at)}} · {{_('Line {n}', n=call.line)}} · {{_({'in': 'Incoming', 'out': 'Outgoing'}.get(call.direction, call.direction))}} · {{_({'answered': 'Answered', 'missed': 'Missed', 'unanswered': 'Not answered', 'blocked': 'Blocked', 'busy': 'Busy', 'failed': 'Failed', 'in_progress': 'In progress'}.get(call.outcome, call.outcome))}}{{' · ' + _.duration(call.duration_s) if call.duration_s else ''}}
    % if ctx.can('recordings_listen'):
      % for recording in recordings.get(call.id, []):
      <a href="/recordings/{{recording.id}}">{{_('Recording')}}</a>
      % end
    % end
    </li>
  % end
  </ul>
  % else:
  <p class="muted">{{_('No calls from these numbers on the lines you see.')}}</p>
  % end
</section>
% if sales:
% include('customer_sales.tpl', sales=sales)
% end
</div>
% if ctx.can('contacts'):
<section class="panel" id="contacts">
  <h2>{{_('Contact records')}}</h2>
  <form method="post" action="/customers/{{customer.id}}/contacts" class="contact-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="row">
      <label>{{_('Kind')}}
        <select name="kind">
        % for kind in kinds:
          <option value="{{kind}}"{{!' selected' if kind == contact_form.get('kind') else ''}}>{{labels('contact_types', kind) if _.language == 'zh-CN' else _({'call': 'Phone call', 'visit': 'Visit', 'email': 'Email', 'message': 'Message', 'note': 'Note'}[kind])}}</option>
        % end
        </select>
        % if problems.get('kind'):
        <span class="field-problem">{{problems['kind']}}</span>
        % end
      </label>
      <label>{{_('Time')}}
        <input type="datetime-local" name="at" value="{{contact_form.get('at', '')}}">
        % if problems.get('at'):
        <span class="field-problem">{{problems['at']}}</span>
        % end
      </label>
      <label>{{_('Linked call')}}
        <select name="call_id">
          <option value="">{{_('None')}}</option>
          % for call in calls:
          <option value="{{call.id}}"{{!' selected' if str(call.id) == contact_form.get('call_id') else ''}}>{{_.datetime(call.started_at)}} · {{_('Line {n}', n=call.line)}}</option>
          % end
          % if contact_form.get('call_id') and not any(str(call.id) == contact_form.get('call_id') for call in calls):
          <option value="{{contact_form['call_id']}}" selected>{{contact_form['call_id']}}</option>
          % end
        </select>
        % if problems.get('call_id'):
        <span class="field-problem">{{problems['call_id']}}</span>
        % end
      </label>
    </div>
    <label class="stacked-label">{{_('What was said or done')}}
      <textarea name="text" rows="3" maxlength="4000" required>{{contact_form.get('text', '')}}</textarea>
      % if problems.get('text'):
      <span class="field-problem">{{problems['text']}}</span>
      % end
    </label>
    % if contact_fields:
    <div class="form-grid custom-fields">
    % include('custom_inputs.tpl', fields=contact_fields, typed=contact_form, problems=problems)
    </div>
    % end
    <button type="submit">{{_('Add contact record')}}</button>
  </form>
  % if contacts:
  <ol class="contacts">
  % for contact in contacts:
    <li>
      <div class="contact-head">
        <span class="badge">{{labels('contact_types', contact.kind) if _.language == 'zh-CN' else _({'call': 'Phone call', 'visit': 'Visit', 'email': 'Email', 'message': 'Message', 'note': 'Note'}.get(contact.kind, contact.kind))}}</span>
        <span>{{_.datetime(contact.at)}}</span>
        <span class="muted">{{contact.added_by_name or '—'}}</span>
        % if contact.call_id in calls_seen:
        <a href="/calls/{{contact.call_id}}" class="contact-call">{{_('The call')}}</a>
        % end
        % if contact.recording_id and ctx.can('recordings_listen'):
        <a href="/recordings/{{contact.recording_id}}">{{_('Recording')}}</a>
        % end
      </div>
      <p class="multiline">{{contact.text}}</p>
      % if contact_values.get(contact.id):
      <dl class="facts contact-fields">
      % include('custom_values.tpl', fields=contact_fields, values=contact_values[contact.id], skip_empty=True)
      </dl>
      % end
      % if contact.added_by == user.id or ctx.can('customers_edit'):
      <details class="contact-delete">
        <summary>{{_('Delete')}}</summary>
        <form method="post" action="/customers/{{customer.id}}/contacts/{{contact.id}}/delete" data-confirm="{{_('Delete this contact record?')}}" class="row">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label class="check"><input type="checkbox" name="confirm" value="yes" required> {{_('Yes, delete this contact record')}}</label>
          <button type="submit" class="danger">{{_('Delete')}}</button>
        </form>
      </details>
      % end
    </li>
  % end
  </ol>
  % else:
  <p class="muted">{{_('No contact records yet.')}}</p>
  % end
</section>
% end
% if may_service:
<section class="panel" id="tickets">
  <div class="page-head">
    <h2>{{_('Service tickets')}}</h2>
    <div class="actions">
      <a class="button secondary" href="/service/new?customer={{customer.id}}">{{_('New ticket')}}</a>
    </div>
  </div>
  % if not tickets:
  <p class="muted">{{_('No service ticket for this customer.')}}</p>
  % else:
  <ul class="customer-tickets">
  % for ticket in tickets:
    <li data-ticket="{{ticket.id}}"><a href="/service/{{ticket.id}}">#{{ticket.id}} {{ticket.subject}}</a>
      · <span class="badge">{{_(ticket_names['state'][ticket.state])}}</span>
      · {{_(ticket_names['kind'][ticket.kind])}} · {{_.datetime(ticket.created_at)}}
      % if ticket.overdue(now):
      <strong class="field-problem">{{_('Overdue')}}</strong>
      % end
    </li>
  % end
  </ul>
  % end
</section>
% end
% if ctx.can('sms'):
<section class="panel" id="messages">
  <div class="page-head">
    <h2>{{_('Text messages')}}</h2>
    <div class="actions">
      <a class="button secondary" href="/messages/new?customer={{customer.id}}">{{_('Send a message')}}</a>
      <a class="button secondary" href="/messages?customer={{customer.id}}">{{_('All in Messages')}}</a>
    </div>
  </div>
  % if not messages:
  <p class="muted">{{_('No text messages to or from this customer.')}}</p>
  % else:
  <ol class="sms-thread">
  % for kind, message in messages:
    % if kind == 'sent':
    <li class="sms-out sms-{{message.state}}">
      <div class="contact-head">
        <span class="badge sms-state-{{message.state}}">{{_({'queued': 'Queued', 'sending': 'Sending', 'sent': 'Sent', 'delivered': 'Delivered', 'failed': 'Failed', 'held': 'Held for approval'}.get(message.state, message.state))}}</span>
        <span>{{_.datetime(message.queued_at)}}</span>
        <span class="muted">{{_('Send to')}} {{message.number}} · {{message.queued_by_name or _('The box')}}</span>
      </div>
      <p class="sms-text">{{message.text}}</p>
      % if message.state == 'failed' and message.error:
      <p class="field-problem">{{sms_error(_, message)}}</p>
      % elif message.state == 'held':
      <p class="field-problem">{{sms_hold(_, message)}}</p>
      % end
      % if message.state in ('queued', 'held'):
      <form method="post" action="/messages/{{message.id}}/cancel" class="inline" data-confirm="{{_('Cancel this message?')}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="back" value="/customers/{{customer.id}}">
        <button type="submit" class="secondary">{{_('Cancel')}}</button>
      </form>
      % end
    </li>
    % else:
    <li class="sms-in{{' unread' if message.read_at is None else ''}}">
      <div class="contact-head">
        <span class="badge">{{_('Received')}}</span>
        <span>{{_.datetime(message.received_at)}}</span>
        <span class="muted">{{_('From')}} {{message.number}}</span>
      </div>
      <p class="sms-text">{{message.text}}</p>
    </li>
    % end
  % end
  </ol>
  % end
</section>
% end
% include('memos_of_customer.tpl')
