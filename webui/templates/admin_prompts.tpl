% rebase('layout.tpl', title=_('Prompts'), page='admin')
% include('admin_nav.tpl', current='/admin/prompts')
<h1>{{_('Prompts')}}</h1>
% notices = {'added': _('The prompt was added.'), 'deleted': _('The prompt was deleted.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% if defaults_problem:
<p class="notice warn" role="status">{{defaults_problem}}</p>
% end
<p class="muted">{{_('What the box plays to a caller: the recording announcement, the satisfaction survey, the voicemail greeting, the call firewall message and the menus. Each is kept as telephone audio (8 kHz), at the same loudness.')}}</p>
% include('prompt_table.tpl', prompts=prompts, source_names=source_names)
<section class="panel">
  <h2>{{_('Upload a recording')}}</h2>
  <form method="post" action="/admin/prompts/upload" enctype="multipart/form-data" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="form-grid">
      <label>{{_('Prompt name')}}
        <input name="name" maxlength="{{max_name}}" value="{{typed['name'] if form == 'upload' else ''}}" placeholder="{{_('the file name, if left empty')}}">
      </label>
      <label>{{_('Audio file')}}
        <input type="file" name="file" accept="audio/*,.wav,.flac,.ogg,.oga,.opus,.mp3" required>
      </label>
    </div>
    <p class="hint">{{_('WAV, FLAC, Ogg Vorbis or Opus, or MP3; at most {mb} MB and 5 minutes. Silence before and after is cut, and the sound is made telephone audio at the line level.', mb=max_mb)}}</p>
    <div class="row"><button type="submit">{{_('Upload')}}</button></div>
  </form>
</section>
<section class="panel">
  <h2>{{_('Let the box speak a text')}}</h2>
  <form method="post" action="/admin/prompts/speech" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <div class="form-grid">
      <label>{{_('Prompt name')}}
        <input name="name" maxlength="{{max_name}}" required value="{{typed['name'] if form == 'speech' else ''}}">
      </label>
      <label>{{_('Language')}}
        <select name="language">
        % for code, label in languages:
          <option value="{{code}}"{{!' selected' if typed['language'] == code else ''}}>{{_(label)}}</option>
        % end
        </select>
      </label>
    </div>
    <label>{{_('Text')}}
      <textarea name="text" rows="3" maxlength="{{max_text}}" required>{{typed['text'] if form == 'speech' else ''}}</textarea>
    </label>
    <p class="hint">{{_('Spoken by the box itself (espeak-ng), in Chinese or English.')}}</p>
    <div class="row"><button type="submit">{{_('Speak and add')}}</button></div>
  </form>
</section>
