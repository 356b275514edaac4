% rebase('layout.tpl', title=_('Sensitive words'), page='admin')
% include('admin_nav.tpl', current='/admin/messages')
<p class="crumbs"><a href="/admin/messages">{{_('Messages')}}</a></p>
<h1>{{_('Sensitive words')}}</h1>
% notices = {'saved': _('Saved: {n} words.', n=count), 'imported': _('Imported: the list has {n} words.', n=count)}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<p class="hint">{{_('Every message, typed, from a template or sent by the box, is checked against these words before it is queued: through full-width letters, case, and spaces or symbols put between the characters.')}}
{{_('A message with one is refused.') if word_filter == 'block' else _('A message with one is held until a leader or an admin approves it.')}} <a href="/admin/messages">{{_('Change')}}</a></p>
% if not words.version:
<p class="notice warn">{{_('The box checks against its own first list until you save yours.')}}</p>
% elif words.updated_at:
<p class="muted">{{_('Changed by {name}, {when}.', name=words.updated_by_name or '—', when=_.datetime(words.updated_at))}}</p>
% end
<div class="card-grid">
<section class="panel">
  <h2>{{_.count(len(words.words), '{n} word', '{n} words')}}</h2>
  <form method="post" action="/admin/messages/words" class="stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label class="stacked-label">{{_('One word a line')}}
      <textarea name="words" rows="14" spellcheck="false">{{typed}}</textarea>
    </label>
    <div class="row"><button type="submit">{{_('Save')}}</button></div>
  </form>
</section>
<section class="panel">
  <h2>{{_('Import')}}</h2>
  <form method="post" action="/admin/messages/words/import" enctype="multipart/form-data" class="stacked">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('A text file of one word a line, or an Excel workbook (.xlsx) with a word in each row of its first column; at most {n} MB.', n=max_mb)}}
      <input type="file" name="file" accept=".txt,.xlsx,text/plain" required>
    </label>
    <label class="check"><input type="radio" name="how" value="add" checked> {{_('Add to the list')}}</label>
    <label class="check"><input type="radio" name="how" value="replace"> {{_('Replace the list')}}</label>
    <div class="row"><button type="submit">{{_('Import')}}</button></div>
  </form>
  <h2>{{_('Export')}}</h2>
  <div class="actions">
    <a class="button secondary" href="/admin/messages/words.txt" download>{{_('Text file')}}</a>
    <a class="button secondary" href="/admin/messages/words.xlsx" download>{{_('Excel')}}</a>
  </div>
  <h2>{{_('Try a message')}}</h2>
  <form method="get" action="/admin/messages/words" class="stacked">
    <textarea name="try" rows="3" maxlength="2000">{{tried}}</textarea>
    <div class="row"><button type="submit" class="secondary">{{_('Check')}}</button></div>
  </form>
  % if tried:
  % if found:
  <p class="field-problem">{{_('Holds the sensitive words {words}.', words=', '.join(found))}}</p>
  % else:
  <p class="notice">{{_('No sensitive word found.')}}</p>
  % end
  % end
</section>
</div>
