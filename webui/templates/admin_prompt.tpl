% rebase('layout.tpl', title=prompt.name, page='admin')
% include('admin_nav.tpl', current='/admin/prompts')
<p><a href="/admin/prompts">{{_('All prompts')}}</a></p>
<h1>{{prompt.name}}</h1>
% notices = {'replaced': _('The sound was replaced.'), 'renamed': _('Saved.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% include('prompt_table.tpl', prompts=[prompt], source_names=source_names)
<dl class="facts">
  % if prompt.built_in:
  <dt>{{_("The box's own prompt")}}</dt><dd><code>{{prompt.key}}</code></dd>
  % end
  <dt>{{_('Added')}}</dt><dd>{{_.datetime(prompt.created_at)}}{{(' · ' + prompt.created_by) if prompt.created_by else ''}}</dd>
  <dt>{{_('Changed')}}</dt><dd>{{_.datetime(prompt.changed_at)}}{{(' · ' + prompt.changed_by) if prompt.changed_by else ''}}</dd>
  % if use:
  <dt>{{_('Used by')}}</dt><dd>{{use}}</dd>
  % end
</dl>
<section class="panel">
  <h2>{{_('Rename')}}</h2>
  <form method="post" action="/admin/prompts/{{prompt.id}}/name" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input name="name" required maxlength="{{max_name}}" value="{{typed['name']}}" aria-label="{{_('Prompt name')}}">
    <button type="submit" class="secondary">{{_('Rename')}}</button>
  </form>
</section>
<section class="panel">
  <h2>{{_('Replace the sound with a recording')}}</h2>
  <form method="post" action="/admin/prompts/{{prompt.id}}/upload" enctype="multipart/form-data" class="row upload">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="file" name="file" accept="audio/*,.wav,.flac,.ogg,.oga,.opus,.mp3" required aria-label="{{_('Audio file')}}">
    <button type="submit">{{_('Upload')}}</button>
  </form>
  <p class="hint">{{_('WAV, FLAC, Ogg Vorbis or Opus, or MP3; at most {mb} MB and 5 minutes. Silence before and after is cut, and the sound is made telephone audio at the line level.', mb=max_mb)}}</p>
</section>
<section class="panel">
  <h2>{{_('Replace the sound with a text the box speaks')}}</h2>
  <form method="post" action="/admin/prompts/{{prompt.id}}/speech" class="stacked settings-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Language')}}
      <select name="language">
      % for code, label in languages:
        <option value="{{code}}"{{!' selected' if typed['language'] == code else ''}}>{{_(label)}}</option>
      % end
      </select>
    </label>
    <label>{{_('Text')}}
      <textarea name="text" rows="3" maxlength="{{max_text}}" required>{{typed['text']}}</textarea>
    </label>
    <div class="row"><button type="submit">{{_('Speak and replace')}}</button></div>
  </form>
</section>
% if not prompt.built_in:
<section class="panel">
  <h2>{{_('Delete')}}</h2>
  % if use:
  <p class="muted">{{_('This prompt is in use ({use}): choose another prompt there first.', use=use)}}</p>
  % else:
  <form method="post" action="/admin/prompts/{{prompt.id}}/delete" class="row" data-confirm="{{_('Delete the prompt {name}?', name=prompt.name)}}">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="check"><input type="checkbox" name="confirm" value="yes" required> {{_('Yes, delete this prompt')}}</label>
    <button type="submit" class="danger">{{_('Delete')}}</button>
  </form>
  % end
</section>
% else:
<p class="muted">{{_("The box's own prompts can be replaced and renamed, not deleted: the voice features find them by their key.")}}</p>
% end
