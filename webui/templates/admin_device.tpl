% rebase('layout.tpl', title=_('Device'), page='admin')
% include('admin_nav.tpl', current='/admin/device')
<h1>{{_('Device')}}</h1>
<p class="hint"><a href="/setup/box">{{_('Time zone, line interface and storage: set up the box')}}</a></p>
% include('settings_outcome.tpl', outcome=outcome)
% if problems.get('general'):
<p class="problem" role="alert">{{problems['general']}}</p>
% end
<form method="post" action="/admin/device" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label{{!' class="has-problem"' if 'country' in problems else ''}}>{{_('Country profile')}}
    <select name="country">
    % for code, name in countries.items():
      <option value="{{code}}"{{!' selected' if code == typed['country'] else ''}}>{{name}} ({{code}})</option>
    % end
    </select>
    <span class="hint">{{_('Ring cadence, tones, caller ID and how numbers are read. Changing it restarts every line once its call in progress ends.')}}</span>
    % if 'country' in problems:
    <span class="field-problem">{{problems['country']}}</span>
    % end
  </label>
  <label{{!' class="has-problem"' if 'no_record' in problems else ''}}>{{_('Never record these numbers')}}
    <textarea name="no_record" rows="8" inputmode="tel">{{typed['no_record']}}</textarea>
    <span class="hint">{{_('One number per line, at most {n}. Their calls are still logged, never recorded, in every mode.', n=limit)}}</span>
    % if 'no_record' in problems:
    <span class="field-problem">{{problems['no_record']}}</span>
    % end
  </label>
  <fieldset class="key-codes">
    <legend>{{_('Keys that record by hand')}}</legend>
    <p class="hint">{{_('On a line recording by hand, keys pressed on a phone during an answered call start and stop the recording. Leave a code empty to turn it off.')}}</p>
    % for field, label in (('start_code', _('Start recording')), ('stop_code', _('Stop recording'))):
    % problem = problems.get('manual_codes.' + field.removesuffix('_code')) or (problems.get('manual_codes') if field == 'start_code' else None)
    <label{{!' class="has-problem"' if problem else ''}}>{{label}}
      <input name="{{field}}" value="{{typed[field]}}" maxlength="8" inputmode="tel" autocomplete="off" pattern="[*#][0-9*#]{1,7}">
      % if problem:
      <span class="field-problem">{{problem}}</span>
      % end
    </label>
    % end
  </fieldset>
  <fieldset class="key-codes">
    <legend>{{_('Key for the satisfaction survey')}}</legend>
    <p class="hint">{{_('On any line, an operator who presses these keys during an answered call and hangs up hands the caller to the satisfaction survey. Leave it empty to turn it off.')}}</p>
    % problem = problems.get('manual_codes.survey') or (problems.get('manual_codes') if 'survey' in problems.get('manual_codes', '') else None)
    <label{{!' class="has-problem"' if problem else ''}}>{{_('Start the survey')}}
      <input name="survey_code" value="{{typed['survey_code']}}" maxlength="8" inputmode="tel" autocomplete="off" pattern="[*#][0-9*#]{1,7}">
      % if problem:
      <span class="field-problem">{{problem}}</span>
      % end
    </label>
  </fieldset>
  <div class="row"><button type="submit">{{_('Save')}}</button></div>
</form>
