% rebase('layout.tpl', title=_('Set up the box'), main_class='narrow')
<h1>{{_('Set up the box')}}</h1>
<p>{{_('Where the box is, what its lines are wired to, and where it keeps its recordings. All of it can be changed later under Settings.')}}</p>
% if problems.get('general'):
<p class="problem" role="alert">{{problems['general']}}</p>
% end
<form method="post" action="/setup/box" class="stacked settings-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label{{!' class="has-problem"' if 'country' in problems else ''}}>{{_('Country profile')}}
    <select name="country">
    % for code, name in countries.items():
      <option value="{{code}}"{{!' selected' if code == typed['country'] else ''}}>{{name}} ({{code}})</option>
    % end
    </select>
    <span class="hint">{{_('Ring cadence, tones, caller ID and how numbers are read.')}}</span>
    % if 'country' in problems:
    <span class="field-problem">{{problems['country']}}</span>
    % end
  </label>
  <label{{!' class="has-problem"' if 'time_zone' in problems else ''}}>{{_('Time zone')}}
    <select name="time_zone">
      <option value="">{{_("The country's")}} ({{', '.join(f'{code}: {zone}' for code, zone in country_zones.items())}})</option>
    % for zone in zones:
      <option value="{{zone}}"{{!' selected' if zone == typed['time_zone'] else ''}}>{{zone}}</option>
    % end
    </select>
    <span class="hint">{{_('Times on the pages, recording file names and recording schedules follow it, summer time included.')}}</span>
    % if 'time_zone' in problems:
    <span class="field-problem">{{problems['time_zone']}}</span>
    % end
  </label>
  <label{{!' class="has-problem"' if 'hardware' in problems else ''}}>{{_('Line interface')}}
    <select name="hardware">
      <option value="">{{_('Keep the lines as they are (simulated on a new box)')}}</option>
    % for name, title in profiles.items():
      <option value="{{name}}"{{!' selected' if name == typed['hardware'] else ''}}>{{title}} ({{name}})</option>
    % end
    </select>
    <span class="hint">{{_("Sets each line's sound card and GPIO pins or modem for the interface fitted; see the wiring diagram in the user guide, and run linerec hw-test.")}}</span>
    % if 'hardware' in problems:
    <span class="field-problem">{{problems['hardware']}}</span>
    % end
  </label>
  <fieldset>
    <legend>{{_('Storage')}}</legend>
    <p>{{_('Recordings and the database are kept in {folder}: {free} free of {total}.', folder=storage.folder, free=size(storage.free_bytes), total=size(storage.total_bytes))}}</p>
    % if storage.on_system_disk:
    <p class="notice warn">{{_("This is the system's own disk (on a Raspberry Pi, its SD card). For years of recordings, fit a USB disk or SSD and install the box onto it: sudo scripts/install-pi.sh --data /mnt/linerec --data-disk (see the user guide).")}}</p>
    % else:
    <p class="muted">{{_('This is a disk of its own.')}}{{' ' + _("The box records only onto it: when it is missing, the box says so instead of filling the system's disk.") if storage.disk_required else ''}}</p>
    % end
  </fieldset>
  <div class="row"><button type="submit">{{_('Save and go to the live lines')}}</button> <a href="/live">{{_('Later')}}</a></div>
</form>
