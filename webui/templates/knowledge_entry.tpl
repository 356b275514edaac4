% rebase('layout.tpl', title=entry.title, page='knowledge', styles=['knowledge.css', 'fields.css'])
<p class="crumbs"><a href="/knowledge">{{_('Knowledge base')}}</a>
% if path:
 · <a href="/knowledge?category={{entry.category_id}}">{{path}}</a>
% end
</p>
% notices = {'added': _('The entry was added.'), 'saved': _('Saved.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<div class="page-head">
  <h1>{{entry.title}}</h1>
  % if editor:
  <div class="actions">
    <a class="button" href="/knowledge/{{entry.id}}/edit">{{_('Edit')}}</a>
    <form method="post" action="/knowledge/{{entry.id}}/delete" data-confirm="{{_('Delete this entry?')}}">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit" class="danger">{{_('Delete')}}</button>
    </form>
  </div>
  % end
</div>
% if entry.keywords:
<p class="knowledge-keywords">
  % for word in [w.strip() for w in entry.keywords.replace('，', ',').split(',') if w.strip()]:
  <span class="badge">{{word}}</span>
  % end
</p>
% end
<div class="panel knowledge-body">\\
% include('knowledge_marked.tpl', segments=body)
</div>
% if custom_values:
<dl class="facts knowledge-facts">
  % include('custom_values.tpl', fields=custom_fields, values=custom_values, skip_empty=True)
</dl>
% end
<p class="muted small">{{_('Changed by {name}, {when}', name=entry.updated_by_name or '-', when=_.datetime(entry.updated_at))}}</p>
