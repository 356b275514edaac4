% rebase('layout.tpl', title=_('Knowledge base'), page='knowledge', styles=['knowledge.css'], scripts=['knowledge.js'])
<div class="page-head">
  <h1>{{_('Knowledge base')}}</h1>
  % if editor:
  <div class="actions">
    <a class="button" href="/knowledge/new{{'?category=%d' % category_id if category_id else ''}}">{{_('Add entry')}}</a>
    <a class="button secondary" href="/knowledge/categories">{{_('Categories')}}</a>
    <a class="button secondary" href="/knowledge/import">{{_('Import')}}</a>
    <a class="button secondary" href="/knowledge.xlsx">{{_('Export to Excel')}}</a>
  </div>
  % end
</div>
% if notice == 'deleted':
<p class="notice" role="status">{{_('The entry was deleted.')}}</p>
% end
<form method="get" action="/knowledge" class="filters row knowledge-search" role="search">
  <label class="grow">{{_('Search')}}
    <input type="search" name="q" value="{{query}}" maxlength="{{query_limit}}" placeholder="{{_('A question, or words: 退款, WiFi 密码, refund')}}">
  </label>
  % if category_id:
  <input type="hidden" name="category" value="{{category_id}}">
  % end
  <button type="submit">{{_('Search')}}</button>
</form>
<div class="knowledge">
  <nav class="knowledge-tree" aria-label="{{_('Categories')}}">
    <details data-tree{{!'' if query or category_id else ' open'}}>
      <summary>{{_('Categories')}}</summary>
      <ul>
        <li><a href="/knowledge"{{!' aria-current="true"' if not category_id else ''}}>{{_('All entries')}}</a></li>
        % for category, depth in tree:
        <li class="depth-{{min(depth, 5)}}"><a href="/knowledge?category={{category.id}}"{{!' aria-current="true"' if category.id == category_id else ''}}>{{category.name}}</a></li>
        % end
      </ul>
    </details>
  </nav>
  <section class="knowledge-list">
    % if category_id:
    <p class="crumbs">{{paths.get(category_id, '')}}</p>
    % end
    % if query:
    % from urllib.parse import quote
    % quoted = quote(query)
    <p class="muted">{{_.count(len(hits), '{n} entry found', '{n} entries found')}}</p>
    <ol class="knowledge-hits">
      % for hit in hits:
      <li>
        <a href="/knowledge/{{hit.entry.id}}?q={{quoted}}">\\
% include('knowledge_marked.tpl', segments=hit.title)
</a>
        % if hit.entry.category_id in paths:
        <span class="badge">{{paths[hit.entry.category_id]}}</span>
        % end
        <p class="knowledge-snippet">\\
% include('knowledge_marked.tpl', segments=hit.snippet)
</p>
      </li>
      % end
    </ol>
    % else:
    <p class="muted">{{_.count(total, '{n} entry', '{n} entries')}}</p>
    <ul class="knowledge-entries">
      % for entry in entries:
      <li>
        <a href="/knowledge/{{entry.id}}">{{entry.title}}</a>
        % if entry.category_id in paths and entry.category_id != category_id:
        <span class="badge">{{paths[entry.category_id]}}</span>
        % end
        % if entry.keywords:
        <span class="muted small">{{entry.keywords}}</span>
        % end
      </li>
      % end
    </ul>
    % if page > 1 or has_next:
    <nav class="pager" aria-label="{{_('Pages')}}">
      % if page > 1:
      <a class="button secondary" rel="prev" href="/knowledge?{{'category=%d&' % category_id if category_id else ''}}page={{page - 1}}">← {{_('Previous')}}</a>
      % end
      <span class="muted">{{_('Page {n}', n=page)}}</span>
      % if has_next:
      <a class="button secondary" rel="next" href="/knowledge?{{'category=%d&' % category_id if category_id else ''}}page={{page + 1}}">{{_('Next')}} →</a>
      % end
    </nav>
    % end
    % end
  </section>
</div>
