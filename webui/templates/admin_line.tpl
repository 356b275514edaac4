% rebase('layout.tpl', title=_('Line {n}', n=number), page='admin')
% include('admin_nav.tpl', current='/admin/lines')
<p class="crumbs"><a href="/admin/lines">{{_('Lines')}}</a></p>
<h1>{{_('Line {n}', n=number)}}<span class="muted">{{typed['name'] if typed['name'] != 'Line {}'.format(number) else ''}}</span></h1>
% include('settings_outcome.tpl', outcome=outcome)
% if problems:
<p class="problem" role="alert">{{problems.get('general') or _('Please correct the fields marked below.')}}</p>
% end
% def problem(key):
  % if key in problems:
<span class="field-problem">{{problems[key]}}</span>
  % end
% end
% modes = {'auto': _('Automatic: answered calls'), 'vox': _('On voice'), 'manual': _('By hand'), 'schedule': _('On a schedule: answered calls inside the windows'), 'off': _('Off')}
% days = {'mon': _('Mon'), 'tue': _('Tue'), 'wed': _('Wed'), 'thu': _('Thu'), 'fri': _('Fri'), 'sat': _('Sat'), 'sun': _('Sun')}
<form method="post" action="/admin/lines/{{number}}" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="form-grid">
    <label{{!' class="has-problem"' if 'name' in problems else ''}}>{{_('Line name')}} <input name="name" value="{{typed['name']}}" maxlength="60">
      % problem('name')
    </label>
    <label{{!' class="has-problem"' if 'mode' in problems else ''}}>{{_('Recording')}}
      <select name="mode">
      % for mode in modes:
        <option value="{{mode}}"{{!' selected' if mode == typed['mode'] else ''}}>{{modes[mode]}}</option>
      % end
      </select>
      % problem('mode')
    </label>
    <label{{!' class="has-problem"' if 'encoding' in problems else ''}}>{{_('Encoding')}}
      <select name="encoding">
      % for encoding in encodings:
        <option value="{{encoding}}"{{!' selected' if encoding == typed['encoding'] else ''}}>{{ {'alaw': _('A-law (8 kB/s)'), 'ulaw': _('mu-law (8 kB/s)'), 'pcm16': _('16-bit linear (16 kB/s)')}[encoding] }}</option>
      % end
      </select>
      % problem('encoding')
    </label>
    <label{{!' class="has-problem"' if 'keep_days' in problems else ''}}>{{_('Keep recordings (days)')}} <input name="keep_days" value="{{typed['keep_days']}}" inputmode="numeric">
      <span class="hint">{{_('Retention deletes the recordings of this line once they are this many days old; 0: no age limit. Recordings under legal hold are kept. See Settings, Storage.')}}</span>
      % problem('keep_days')
    </label>
  </div>
  <label class="check"><input type="checkbox" name="enabled" value="yes"{{!' checked' if typed['enabled'] else ''}}> {{_('Enabled: the box watches and records this line')}}</label>
  <fieldset>
    <legend>{{_('Recording on voice')}}</legend>
    <div class="form-grid">
      <label{{!' class="has-problem"' if 'vox_threshold' in problems else ''}}>{{_('Threshold (dBm0)')}} <input name="vox_threshold" value="{{typed['vox_threshold']}}" inputmode="decimal">
        % problem('vox_threshold')
      </label>
      <label{{!' class="has-problem"' if 'vox_hangover' in problems else ''}}>{{_('Keeps recording after the voice stops (ms)')}} <input name="vox_hangover" value="{{typed['vox_hangover']}}" inputmode="numeric">
        % problem('vox_hangover')
      </label>
      <label{{!' class="has-problem"' if 'vox_preroll' in problems else ''}}>{{_('Starts before the voice (ms)')}} <input name="vox_preroll" value="{{typed['vox_preroll']}}" inputmode="numeric">
        % problem('vox_preroll')
      </label>
    </div>
  </fieldset>
  <fieldset{{!' class="has-problem"' if 'schedule' in problems else ''}}>
    <legend>{{_('Schedule')}}</legend>
    <p class="hint">{{_('For the schedule mode: the weekly windows in which answered calls are recorded. An end before the start runs past midnight. Leave a row empty to remove it.')}}</p>
    % problem('schedule')
    % for index, window in enumerate(windows):
    <div class="window-row">
      <span class="days">
      % for day in weekdays:
        <label class="check"><input type="checkbox" name="window-{{index}}-days" value="{{day}}"{{!' checked' if day in window['days'] else ''}}> {{days[day]}}</label>
      % end
      </span>
      <label>{{_('From')}} <input type="time" name="window-{{index}}-start" value="{{window['start']}}"></label>
      <label>{{_('To')}} <input type="time" name="window-{{index}}-end" value="{{window['end']}}"></label>
      % for part in ('days', 'start', 'end'):
        % problem('window-%d-%s' % (index, part))
      % end
    </div>
    % end
  </fieldset>
  <fieldset class="voicemail-settings">
    <legend>{{_('Voicemail')}}</legend>
    <p class="hint">{{_('A call nobody answers after the set number of rings is answered by the box: the greeting, a beep, then the message the caller leaves. New messages show on the Voicemail page and are sent by e-mail (Settings → E-mail).')}}</p>
    <label class="check"><input type="checkbox" name="vm_enabled" value="yes"{{!' checked' if typed['vm_enabled'] else ''}}> {{_('Answer unanswered calls with voicemail')}}</label>
    % problem('vm_enabled')
    <div class="form-grid">
    % for key, label, hint in (('vm_rings', _('After rings'), '1-20'), ('vm_max', _('Longest message (seconds)'), '10-600'), ('vm_silence', _('Ends after silence (seconds)'), '2-30')):
      <label{{!' class="has-problem"' if key in problems else ''}}>{{label}} <input name="{{key}}" value="{{typed[key]}}" inputmode="numeric" placeholder="{{hint}}">
        % problem(key)
      </label>
    % end
      <label{{!' class="has-problem"' if 'vm_greeting' in problems else ''}}>{{_('Greeting (prompt key)')}} <input name="vm_greeting" value="{{typed['vm_greeting']}}" spellcheck="false">
        % problem('vm_greeting')
      </label>
      <label{{!' class="has-problem"' if 'vm_groups' in problems else ''}}>{{_('Only for customer groups')}} <input name="vm_groups" value="{{typed['vm_groups']}}" placeholder="{{_('Empty: every caller')}}">
        % problem('vm_groups')
      </label>
      <label{{!' class="has-problem"' if 'vm_keep_days' in problems else ''}}>{{_('Keep messages (days)')}} <input name="vm_keep_days" value="{{typed['vm_keep_days']}}" inputmode="numeric">
        <span class="hint">{{_('Retention deletes the messages of this line once they are this many days old; 0: no age limit. Messages of calls under legal hold are kept. See Settings, Storage.')}}</span>
        % problem('vm_keep_days')
      </label>
    </div>
    <label class="check"><input type="checkbox" name="vm_delete_unheard" value="yes"{{!' checked' if typed['vm_delete_unheard'] else ''}}> {{_('Past the age limit, delete messages nobody has marked heard too')}}</label>
    % problem('vm_delete_unheard')
    <p class="hint">{{_('When: the weekly windows in which the box answers (none: always). Leave a row empty to remove it.')}}</p>
    % problem('vm_schedule')
    % for index, window in enumerate(vm_windows):
    <div class="window-row">
      <span class="days">
      % for day in weekdays:
        <label class="check"><input type="checkbox" name="vmwindow-{{index}}-days" value="{{day}}"{{!' checked' if day in window['days'] else ''}}> {{days[day]}}</label>
      % end
      </span>
      <label>{{_('From')}} <input type="time" name="vmwindow-{{index}}-start" value="{{window['start']}}"></label>
      <label>{{_('To')}} <input type="time" name="vmwindow-{{index}}-end" value="{{window['end']}}"></label>
      % for part in ('days', 'start', 'end'):
        % problem('vmwindow-%d-%s' % (index, part))
      % end
    </div>
    % end
  </fieldset>
  <fieldset class="sms-settings">
    <legend>{{_('Text messages')}}</legend>
    <label class="stacked-label{{' has-problem' if 'sms_reply' in problems else ''}}">{{_('Reply to the caller of a missed call')}}
      <textarea name="sms_reply" rows="2" maxlength="500" placeholder="{{_('Empty: no reply')}}">{{typed['sms_reply']}}</textarea>
      % problem('sms_reply')
    </label>
    <label{{!' class="has-problem"' if 'sms_notify' in problems else ''}}>{{_('Text each voicemail message to')}}
      <input name="sms_notify" value="{{typed['sms_notify']}}" inputmode="tel" placeholder="13800138000, 13900139000" autocomplete="off">
      % problem('sms_notify')
    </label>
    <p class="hint">{{_('Sent through the GSM modem (Settings → Messages), once each: a reply to a mobile number within 15 minutes of the missed call and not twice an hour to one number, with the placeholders of templates ($name$ when the caller is a customer); a notice of each message left on this line.')}}</p>
  </fieldset>
  <fieldset class="announcement">
    <legend>{{_('Announcement before recording')}}</legend>
    <p class="hint">{{_('The box tells both parties that the call may be recorded: on incoming calls as they are answered, on outgoing calls as they connect. Numbers on the no-record list hear nothing, and nothing is announced while the line does not record. The line needs its audio out (see Connection).')}}</p>
    % directions_shown = {'off': _('Off'), 'inbound': _('Incoming calls'), 'outbound': _('Outgoing calls'), 'both': _('Incoming and outgoing calls')}
    <div class="form-grid">
      <label{{!' class="has-problem"' if 'announcement' in problems else ''}}>{{_('Announce on')}}
        <select name="announcement">
        % for direction in directions:
          <option value="{{direction}}"{{!' selected' if direction == typed['announcement'] else ''}}>{{directions_shown[direction]}}</option>
        % end
        </select>
        % problem('announcement')
      </label>
      <label{{!' class="has-problem"' if 'announcement_prompt' in problems else ''}}>{{_('Prompt')}}
        <select name="announcement_prompt">
        % for value, name in prompts:
          <option value="{{value}}"{{!' selected' if value == typed['announcement_prompt'] else ''}}>{{name}}</option>
        % end
        </select>
        <span class="hint">{{_('Upload your own or have it spoken in Settings, Prompts.')}}</span>
        % problem('announcement_prompt')
      </label>
    </div>
  </fieldset>
  <fieldset class="dialling">
    <legend>{{_('Calls the box places')}}</legend>
    <p class="hint">{{_("How the box dials on this line when a user clicks Call: by tones, or by pulses of its relay for an exchange or a PBX port that takes no tones.")}}</p>
    <label{{!' class="has-problem"' if 'dialling' in problems else ''}}>{{_('Dial by')}}
      <select name="dialling">
      % for way, shown in (('tone', _('Tones (DTMF)')), ('pulse', _('Pulses'))):
        <option value="{{way}}"{{!' selected' if way == typed['dialling'] else ''}}>{{shown}}</option>
      % end
      </select>
      % problem('dialling')
    </label>
  </fieldset>
  <fieldset>
    <legend>{{_('Operators')}}</legend>
    <p class="hint">{{_('The users who handle this line: its caller pop-ups, calls and recordings. Super users see every line.')}}</p>
    <div class="line-list">
    % for person in users:
      <label class="check"><input type="checkbox" name="operator" value="{{person.id}}"{{!' checked' if person.id in typed['operators'] else ''}}> {{person.shown_name}} <span class="muted">{{person.group_name or ''}}</span></label>
    % end
    % if not users:
      <p class="muted">{{_('No leaders or operators yet.')}}</p>
    % end
    </div>
  </fieldset>
  <details class="panel"{{!' open' if any(key in problems for key in ('audio', 'signals', 'playback', 'modem')) else ''}}>
    <summary>{{_('Connection (for the installer)')}}</summary>
    <div class="form-grid">
    % for key, label in (('audio', _('Audio in')), ('signals', _('Ring and hook signals')), ('playback', _('Audio out')), ('modem', _('Voice modem'))):
      <label{{!' class="has-problem"' if key in problems else ''}}>{{label}} <input name="{{key}}" value="{{typed[key]}}" maxlength="200" spellcheck="false" autocomplete="off">
        % problem(key)
      </label>
    % end
    </div>
    <p class="hint">{{_('For example alsa:plughw:1,0, gpio:ring=17,loop=27,relay=22, serial:/dev/ttyACM0 or sim: for the simulated office. A voice modem, when set, replaces the other three.')}}</p>
  </details>
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="/admin/lines">{{_('Cancel')}}</a>
  </div>
</form>
<details class="contact-delete panel">
  <summary>{{_('Remove this line')}}</summary>
  <form method="post" action="/admin/lines/{{number}}/delete" class="row" data-confirm="{{_('Remove line {n}?', n=number)}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p class="muted">{{_('The box stops watching the line once its call in progress ends. Its calls and recordings stay.')}}</p>
    <label class="check"><input type="checkbox" name="confirm" value="yes" required> {{_('Yes, remove this line')}}</label>
    <button type="submit" class="danger">{{_('Remove')}}</button>
  </form>
</details>
