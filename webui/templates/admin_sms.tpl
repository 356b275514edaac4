% rebase('layout.tpl', title=_('Messages'), page='admin')
% include('admin_nav.tpl', current='/admin/messages')
<h1>{{_('Messages')}}</h1>
% include('settings_outcome.tpl', outcome=outcome)
% notices = {'template_deleted': _('The template was deleted.'), 'holiday_added': _('The holiday was added.'), 'holiday_changed': _('The holiday was changed.'), 'holiday_deleted': _('The holiday was deleted.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% settings_problems = {key: value for key, value in problems.items() if not key.startswith('holiday_')}
% if settings_problems:
<p class="problem" role="alert">{{settings_problems.get('general') or _('Please correct the fields marked below.')}}</p>
% end
% def problem(key):
  % if key in problems:
<span class="field-problem">{{problems[key]}}</span>
  % end
% end
<form method="post" action="/admin/messages" class="stacked settings-form" autocomplete="off">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <fieldset>
    <legend>{{_('GSM modem')}}</legend>
    <div class="form-grid">
      <label{{!' class="has-problem"' if 'modem' in problems else ''}}>{{_('Port')}} <input name="modem" value="{{typed['modem']}}" spellcheck="false" placeholder="serial:/dev/ttyUSB2">
        % problem('modem')
      </label>
      <label{{!' class="has-problem"' if 'validity_hours' in problems else ''}}>{{_('The network keeps trying for (hours)')}} <input name="validity_hours" value="{{typed['validity_hours']}}" inputmode="numeric">
        % problem('validity_hours')
      </label>
      <label class="check"><input type="checkbox" name="delivery_reports" value="yes"{{!' checked' if typed['delivery_reports'] else ''}}> {{_('Ask for delivery reports')}}</label>
    </div>
    <p class="hint">{{_('Leave the port empty when the box has no GSM modem: messages then wait in the queue.')}}</p>
  </fieldset>
  <fieldset>
    <legend>{{_('Sensitive words')}}</legend>
    <label class="check"><input type="radio" name="word_filter" value="hold"{{!' checked' if typed['word_filter'] == 'hold' else ''}}> {{_('Hold a message with a sensitive word until a leader or an admin approves it')}}</label>
    <label class="check"><input type="radio" name="word_filter" value="block"{{!' checked' if typed['word_filter'] == 'block' else ''}}> {{_('Refuse a message with a sensitive word')}}</label>
    % problem('word_filter')
    <p><a href="/admin/messages/words">{{_.count(word_count, 'The word list: {n} word', 'The word list: {n} words')}}</a></p>
  </fieldset>
  <fieldset>
    <legend>{{_("Greetings and the box's own messages")}}</legend>
    <div class="form-grid">
      <label{{!' class="has-problem"' if 'language' in problems else ''}}>{{_("Language of the box's own messages")}}
        <select name="language">
          <option value="zh"{{!' selected' if typed['language'] == 'zh' else ''}}>中文</option>
          <option value="en"{{!' selected' if typed['language'] == 'en' else ''}}>English</option>
        </select>
        % problem('language')
      </label>
      <label{{!' class="has-problem"' if 'greeting_time' in problems else ''}}>{{_('Greetings go out from')}} <input type="time" name="greeting_time" value="{{typed['greeting_time']}}">
        % problem('greeting_time')
      </label>
      <label{{!' class="has-problem"' if 'birthday_template' in problems else ''}}>{{_('Birthday greeting')}}
        <select name="birthday_template">
          <option value="0">{{_('None')}}</option>
          % for template in templates:
          <option value="{{template.id}}"{{!' selected' if typed['birthday_template'] == str(template.id) else ''}}>{{template.name}}</option>
          % end
        </select>
        % problem('birthday_template')
      </label>
      <label{{!' class="has-problem"' if 'birthday_days_ahead' in problems else ''}}>{{_('Days before the birthday')}} <input name="birthday_days_ahead" value="{{typed['birthday_days_ahead']}}" inputmode="numeric">
        % problem('birthday_days_ahead')
      </label>
    </div>
    <p class="hint">{{_("Each customer with a birthday and a mobile number is greeted once a year. Replies to missed calls and voicemail notices are set on each line's page.")}}</p>
  </fieldset>
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
  </div>
</form>

<section class="panel" id="templates">
  <div class="page-head">
    <h2>{{_('Templates')}}</h2>
    <div class="actions"><a class="button" href="/admin/messages/templates/new">{{_('New template')}}</a></div>
  </div>
  % if not templates:
  <p class="muted">{{_('No templates yet.')}}</p>
  % else:
  <div class="table-wrap">
  <table class="stack sms-templates">
    <thead><tr><th scope="col">{{_('Name')}}</th><th scope="col">{{_('Language')}}</th><th scope="col">{{_('Text')}}</th></tr></thead>
    <tbody>
    % for template in templates:
      <tr>
        <td class="c-number"><a href="/admin/messages/templates/{{template.id}}">{{template.name}}</a></td>
        <td class="c-line">{{'中文' if template.language == 'zh' else 'English'}}</td>
        <td class="c-text"><span class="sms-text">{{template.text}}</span></td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  % end
</section>

<section class="panel" id="holidays">
  <h2>{{_('Holiday calendar')}}</h2>
  <p class="hint">{{_('On each holiday, or the days before it you choose, its template greets the customers of its groups (every customer when none is ticked), once, from the greeting time.')}}</p>
  % if holidays:
  <div class="table-wrap">
  <table class="stack sms-holidays">
    <thead><tr><th scope="col">{{_('Day')}}</th><th scope="col">{{_('Holiday')}}</th><th scope="col">{{_('Greeting')}}</th><th scope="col"></th></tr></thead>
    <tbody>
    % names = {template.id: template.name for template in templates}
    % for holiday in holidays:
      <tr>
        <td class="c-time">{{holiday.day}}</td>
        <td class="c-number">{{holiday.name_zh}} · {{holiday.name_en}}</td>
        <td class="c-text">
          % if holiday.template_id:
          {{names.get(holiday.template_id, '?')}} · {{_.count(holiday.days_ahead, '{n} day ahead', '{n} days ahead') if holiday.days_ahead else _('on the day')}} · {{', '.join(holiday.groups) if holiday.groups else _('every customer')}}
          % else:
          <span class="muted">{{_('No greeting')}}</span>
          % end
        </td>
        <td class="c-action">
          <a class="button secondary" href="/admin/messages?holiday={{holiday.id}}#holiday-form">{{_('Edit')}}</a>
          <form method="post" action="/admin/messages/holidays/{{holiday.id}}/delete" class="inline" data-confirm="{{_('Delete this holiday?')}}">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" class="secondary">{{_('Delete')}}</button>
          </form>
        </td>
      </tr>
    % end
    </tbody>
  </table>
  </div>
  % else:
  <p class="muted">{{_('No holidays to come.')}}</p>
  % end
  <form method="post" action="/admin/messages/holidays{{'/%d' % editing if editing else ''}}" class="stacked settings-form" id="holiday-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <h3>{{_('Change the holiday') if editing else _('Add a holiday')}}</h3>
    % if editing:
    <p class="hint">{{_('Moved to another day, its greeting goes out again for that day; renamed on the same day, nobody is greeted twice.')}}</p>
    % end
    <div class="form-grid">
      <label{{!' class="has-problem"' if 'holiday_day' in problems else ''}}>{{_('Day')}} <input type="date" name="day" value="{{new_holiday['day']}}" required>
        % problem('holiday_day')
      </label>
      <label{{!' class="has-problem"' if 'holiday_name_zh' in problems else ''}}>{{_('Name in Chinese')}} <input name="name_zh" value="{{new_holiday['name_zh']}}" maxlength="{{name_limit}}" placeholder="春节">
        % problem('holiday_name_zh')
      </label>
      <label{{!' class="has-problem"' if 'holiday_name_en' in problems else ''}}>{{_('Name in English')}} <input name="name_en" value="{{new_holiday['name_en']}}" maxlength="{{name_limit}}" placeholder="Spring Festival">
        % problem('holiday_name_en')
      </label>
      <label{{!' class="has-problem"' if 'holiday_template' in problems else ''}}>{{_('Greeting')}}
        <select name="template">
          <option value="">{{_('No greeting')}}</option>
          % for template in templates:
          <option value="{{template.id}}"{{!' selected' if new_holiday['template'] == str(template.id) else ''}}>{{template.name}}</option>
          % end
        </select>
        % problem('holiday_template')
      </label>
      <label{{!' class="has-problem"' if 'holiday_days_ahead' in problems else ''}}>{{_('Days ahead')}} <input name="days_ahead" value="{{new_holiday['days_ahead']}}" inputmode="numeric">
        % problem('holiday_days_ahead')
      </label>
    </div>
    % if groups:
    <fieldset class="group-choices">
      <legend>{{_('Customer groups greeted')}}</legend>
      % for group in groups:
      <label class="check"><input type="checkbox" name="groups" value="{{group}}"{{!' checked' if group in new_holiday['groups'] else ''}}> {{group}}</label>
      % end
    </fieldset>
    % end
    <div class="row">
      <button type="submit">{{_('Save the holiday') if editing else _('Add the holiday')}}</button>
      % if editing:
      <a class="button secondary" href="/admin/messages#holidays">{{_('Cancel')}}</a>
      % end
    </div>
  </form>
</section>
