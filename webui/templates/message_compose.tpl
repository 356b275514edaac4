% rebase('layout.tpl', title=_('New message'), page='messages', scripts=['messages.js'])
<p class="crumbs"><a href="/messages">{{_('Messages')}}</a></p>
<h1>{{_('New message')}}</h1>
% if draft is not None and draft.problem:
<p class="problem" role="alert">{{draft.problem}}</p>
% end
<form method="post" action="/messages/new" class="stacked compose-form" data-compose data-replace-text="{{_('Replace the message with the template?')}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <fieldset class="recipients">
    <legend>{{_('Send to')}}</legend>
    <label class="check"><input type="radio" name="to" value="number"{{!' checked' if typed['to'] == 'number' else ''}}> {{_('A number')}}</label>
    <input name="number" value="{{typed['number']}}" inputmode="tel" maxlength="40" aria-label="{{_('Number')}}" placeholder="{{_('Number')}}" autocomplete="off">
    % if customer is not None:
    <label class="check"><input type="radio" name="to" value="customer"{{!' checked' if typed['to'] == 'customer' else ''}}> {{_('The customer {name}', name=customer.name)}}</label>
    <input type="hidden" name="customer" value="{{customer.id}}">
    % end
    % if campaign is not None:
    <label class="check"><input type="radio" name="to" value="campaign"{{!' checked' if typed['to'] == 'campaign' else ''}}> {{_("The campaign {name}'s targets", name=campaign.name)}}</label>
    <input type="hidden" name="campaign" value="{{campaign.id}}">
    % end
    <label class="check"><input type="radio" name="to" value="groups"{{!' checked' if typed['to'] == 'groups' else ''}}> {{_('Customer groups')}}</label>
    <div class="group-choices">
      <label class="check"><input type="checkbox" name="groups" value="{{every_group}}"{{!' checked' if every_group in typed['groups'] else ''}}> {{_('Every customer you see')}}</label>
      % for group in groups:
      <label class="check"><input type="checkbox" name="groups" value="{{group}}"{{!' checked' if group in typed['groups'] else ''}}> {{group}}</label>
      % end
    </div>
  </fieldset>
  <div class="form-grid">
    <label>{{_('Template')}}
      <select name="template" data-template-choice>
        <option value="">{{_('None: type the message')}}</option>
        % for template in templates:
        <option value="{{template.id}}" data-text="{{template.text}}" data-language="{{template.language}}"{{!' selected' if typed['template'] == str(template.id) else ''}}>{{template.name}}</option>
        % end
      </select>
    </label>
    <label>{{_('Placeholders in')}}
      <select name="language">
        <option value="zh"{{!' selected' if typed['language'] == 'zh' else ''}}>中文</option>
        <option value="en"{{!' selected' if typed['language'] == 'en' else ''}}>English</option>
      </select>
    </label>
    <label>{{_('Holiday')}}
      <select name="holiday">
        <option value="">{{_('None')}}</option>
        % for holiday in holidays:
        <option value="{{holiday.id}}"{{!' selected' if typed['holiday'] == str(holiday.id) else ''}}>{{holiday.day}} {{holiday.name_zh if _.language == 'zh-CN' else holiday.name_en}}</option>
        % end
      </select>
    </label>
    <label>{{_('Send at')}}
      <input type="datetime-local" name="send_at" value="{{typed['send_at']}}">
    </label>
  </div>
  <label class="stacked-label">{{_('Message')}}
    <textarea name="text" rows="5" maxlength="{{max_text}}" data-sms-text>{{typed['text']}}</textarea>
  </label>
  <p class="hint">{{_("Placeholders: $name$, $title$ (Mr/Ms, 先生/女士 by the customer's gender), $company$, $holiday$, $date$; in Chinese $姓名$, $称呼$, $公司$, $节日$, $日期$. Leave the time empty to send now.")}}</p>
  % if word_filter == 'block':
  <p class="hint">{{_('A message holding a sensitive word is refused.')}}</p>
  % else:
  <p class="hint">{{_('A message holding a sensitive word is held until a leader or an admin approves it.')}}</p>
  % end
  <div class="row">
    <button type="submit" name="step" value="preview">{{_('Preview the messages')}}</button>
    <a class="button secondary" href="/messages">{{_('Cancel')}}</a>
  </div>
</form>
% if preview and draft is not None and draft.rows:
% sending = draft.sending
% parts = sum(row.size.parts for row in sending)
% worded = [row for row in sending if row.words]
<section class="panel preview" id="preview">
  <h2>{{_('The messages as they will go')}}</h2>
  <p class="result-bar"><span>{{_.count(len(sending), '{n} message', '{n} messages')}} · {{_.count(parts, '{n} part in all', '{n} parts in all')}}{{(' · ' + _('{n} passed over', n=len(draft.rows) - len(sending))) if len(draft.rows) > len(sending) else ''}}{{(' · ' + _('at {when}', when=_.datetime(draft.not_before))) if draft.not_before else ''}}</span></p>
  % if worded:
  <p class="{{'problem' if word_filter == 'block' else 'notice warn'}}">{{_('{n} of the messages hold sensitive words: they will be refused.', n=len(worded)) if word_filter == 'block' else _('{n} of the messages hold sensitive words: they will be held until a leader or an admin approves them.', n=len(worded))}}</p>
  % end
  <div class="table-wrap">
  <table class="stack sms-preview">
    <thead><tr><th scope="col">{{_('Send to')}}</th><th scope="col">{{_('Message')}}</th><th scope="col" class="numeric">{{_('Characters')}}</th><th scope="col" class="numeric">{{_('Parts')}}</th></tr></thead>
    <tbody>
    % for row in draft.rows:
      <tr class="{{'skipped' if row.skipped else ''}}">
        <td class="c-number">{{row.customer.name if row.customer else ''}} <span class="number">{{row.number}}</span></td>
        % if row.skipped:
        <td class="c-text muted" colspan="3">{{row.skipped}}</td>
        % else:
        <td class="c-text"><span class="sms-text">{{row.text}}</span>
          % if row.words:
          <span class="field-problem">{{_('Holds the sensitive words {words}.', words=', '.join(row.words))}}</span>
          % end
        </td>
        <td class="c-length numeric">{{row.size.characters}} <span class="muted small">{{row.size.alphabet}}</span></td>
        <td class="c-parts numeric">{{_.count(row.size.parts, '{n} part', '{n} parts')}}</td>
        % end
      </tr>
    % end
    </tbody>
  </table>
  </div>
  <form method="post" action="/messages/new" class="row send-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="step" value="send">
    <input type="hidden" name="digest" value="{{draft.digest}}">
    % for key in ('to', 'number', 'customer', 'campaign', 'template', 'language', 'holiday', 'send_at', 'text'):
    <input type="hidden" name="{{key}}" value="{{typed[key]}}">
    % end
    % for group in typed['groups']:
    <input type="hidden" name="groups" value="{{group}}">
    % end
    <button type="submit"{{!' disabled' if worded and word_filter == 'block' else ''}}>{{_.count(len(sending), 'Schedule {n} message', 'Schedule {n} messages') if draft.not_before else _.count(len(sending), 'Send {n} message', 'Send {n} messages')}}</button>
  </form>
</section>
% end
