% rebase('layout.tpl', title=_('Call'), page='calls')
% notices = {'marked': _('Saved.'), 'saved': _('Saved.'), 'unchanged': _('Nothing changed: it was already so.'), 'contact': _('The contact record was added.'), 'blocked': _('The caller is on the black list.'), 'block_filed': _("Blocking the caller waits for a leader's approval.")}
<h1>{{_('Call')}} · {{_.datetime(call.started_at, seconds=True)}}</h1>
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<dl class="facts">
  <dt>{{_('Line')}}</dt><dd>{{_('Line {n}', n=call.line)}}{{' · ' + line_name if line_name else ''}}</dd>
  <dt>{{_('Call')}}</dt><dd>{{_({'in': 'Incoming', 'out': 'Outgoing'}.get(call.direction, ''))}} · {{_(outcomes.get(call.outcome, call.outcome))}}</dd>
  % if call.blocked_by:
  <dt>{{_('Blocked by')}}</dt><dd class="blocked-by">{{blocked_text(_, call.blocked_by)}}</dd>
  % end
  <dt>{{_('Number')}}</dt><dd>
    % if call.number:
    <span class="number">{{call.number}}</span>
    % include('dial_button.tpl', call_id=call.id)
    % elif call.reason_absent:
    {{_('Number withheld')}}
    % end
  </dd>
  % if call.name:
  <dt>{{_('Caller ID name')}}</dt><dd>{{call.name}}</dd>
  % end
  % location = call.location_zh if _.language == 'zh-CN' else call.location_en
  % if location:
  <dt>{{_('Location')}}</dt><dd>{{location}}</dd>
  % end
  % if row.customer_id:
  <dt>{{_('Customer')}}</dt><dd><a href="/customers/{{row.customer_id}}">{{row.customer_name}}</a></dd>
  % end
  % if call.duration_s:
  <dt>{{_('Talk time')}}</dt><dd>{{_.duration(call.duration_s)}}</dd>
  % end
  % if call.survey:
  <dt>{{_('Survey')}}</dt><dd class="survey-score">{{_('{n} of 5', n=call.survey)}} {{'★' * (6 - call.survey)}}</dd>
  % end
  % if voicemail is not None:
  <dt>{{_('Voicemail')}}</dt><dd>
    % if voicemail.deleted_at is not None:
    <span class="muted">{{_('The message was deleted.')}}</span>
    % elif ctx.can('voicemail'):
    <audio controls preload="none" src="/voicemail/{{voicemail.id}}/audio"></audio> {{_.duration(voicemail.seconds)}} · <a href="/voicemail">{{_('Voicemail')}}</a>
    % else:
    {{_('A message of {length}', length=_.duration(voicemail.seconds))}}
    % end
  </dd>
  % end
  % if call.ivr_path and walk_text(_, call.ivr_path):
  <dt>{{_('Voice menu')}}</dt><dd class="ivr-walk">{{walk_text(_, call.ivr_path)}}</dd>
  % end
  % if show_recordings and row.recording_ids:
  <dt>{{_('Recording')}}</dt><dd>
    % for recording_id in row.recording_ids:
    <a class="recording-link" href="/recordings/{{recording_id}}">▶ {{_('Play') if ctx.can('recordings_listen') else _('Open')}}</a>
    % for mark in [m for m in marks if m.recording_id == recording_id]:
    <span class="recording-mark muted" data-mark="{{mark.kind}}">{{_('Announcement played {start}–{end}', start=_.duration(mark.start_s), end=_.duration(mark.end_s))}}</span>
    % end
    % end
  </dd>
  % end
</dl>
% if may_open_ticket:
<p class="actions"><a class="button secondary" href="/service/new?customer={{row.customer_id}}&amp;call={{call.id}}">{{_('New ticket')}}</a></p>
% end
% if call_campaigns:
<section class="panel" id="campaigns">
  <h2>{{_('Campaigns')}}</h2>
  % for campaign in call_campaigns:
  % marked = campaign_outcomes[campaign.id].outcome if campaign.id in campaign_outcomes else ''
  <form method="post" action="/calls/{{call.id}}/campaign" class="campaign-outcome row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="campaign" value="{{campaign.id}}">
    <strong>{{campaign.name}}</strong>
    <label class="check"><input type="radio" name="outcome" value="interested"{{!' checked' if marked == 'interested' else ''}}> {{_('Interested')}}</label>
    <label class="check"><input type="radio" name="outcome" value="not_interested"{{!' checked' if marked == 'not_interested' else ''}}> {{_('Not interested')}}</label>
    <label class="check"><input type="radio" name="outcome" value=""{{!' checked' if not marked else ''}}> {{_('Not said')}}</label>
    <button type="submit">{{_('Save')}}</button>
  </form>
  % end
</section>
% end
% if ctx.can('firewall') and call.number and call.direction == 'in':
<form method="post" action="/calls/{{call.id}}/block" class="row block-caller" data-confirm="{{_('Put {number} on the black list?', number=call.number)}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Block this caller')}}</button>
</form>
% end
<section class="panel" id="note">
  <h2>{{_('Note')}}</h2>
  % if problem:
  <p class="problem" role="alert">{{problem}}</p>
  % end
  <form method="post" action="/calls/{{call.id}}/notes" class="stacked notes-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Note on this call')}} <textarea name="notes" rows="4" maxlength="{{note_limit}}">{{note}}</textarea></label>
    <button type="submit">{{_('Save')}}</button>
  </form>
</section>
% if ctx.can('contacts'):
<section class="panel" id="contacts">
  <h2>{{_('Contact records of this call')}}</h2>
  % if row.customer_id:
  <form method="post" action="/customers/{{row.customer_id}}/contacts" class="contact-form stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="kind" value="call">
    <input type="hidden" name="call_id" value="{{call.id}}">
    <input type="hidden" name="from" value="call">
    <label>{{_('What was said or done')}} <textarea name="text" rows="3" maxlength="4000" required></textarea></label>
    % if contact_fields:
    <div class="form-grid custom-fields">
    % include('custom_inputs.tpl', fields=contact_fields, typed={}, problems={})
    </div>
    % end
    <button type="submit">{{_('Add contact record')}}</button>
  </form>
  % end
  % if contacts:
  <ol class="contacts">
  % for contact in contacts:
    <li data-contact="{{contact.id}}">
      <div class="contact-head">
        <span class="badge">{{_({'call': 'Phone call', 'visit': 'Visit', 'email': 'Email', 'message': 'Message', 'note': 'Note'}.get(contact.kind, contact.kind))}}</span>
        <span>{{_.datetime(contact.at)}}</span>
        <a href="/customers/{{contact.customer_id}}">{{contact.customer_name}}</a>
        <span class="muted">{{contact.added_by_name or '—'}}</span>
      </div>
      <p class="multiline">{{contact.text}}</p>
      % if contact_values.get(contact.id):
      <dl class="facts contact-fields">
      % include('custom_values.tpl', fields=contact_fields, values=contact_values[contact.id], skip_empty=True)
      </dl>
      % end
    </li>
  % end
  </ol>
  % else:
  <p class="muted">{{_('No contact records yet.')}}</p>
  % end
</section>
% end
