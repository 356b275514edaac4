% rebase('layout.tpl', title=_('Knowledge base categories'), page='knowledge', styles=['knowledge.css'])
<p class="crumbs"><a href="/knowledge">{{_('Knowledge base')}}</a></p>
<h1>{{_('Knowledge base categories')}}</h1>
% notices = {'added': _('The category was added.'), 'saved': _('Saved.'), 'deleted': _('The category was deleted.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
% def parent_options(chosen, leave_out=None):
      <option value="">{{_('None (at the top)')}}</option>
      % for category, depth in tree:
      % if category.id != leave_out:
      <option value="{{category.id}}"{{!' selected' if str(category.id) == str(chosen or '') else ''}}>{{paths[category.id]}}</option>
      % end
      % end
% end
<section class="panel">
  <h2>{{_('Add a category')}}</h2>
  <form method="post" action="/knowledge/categories" class="row knowledge-category-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Name')}} <input name="name" value="{{typed['name']}}" maxlength="{{name_limit}}" required></label>
    <label>{{_('Parent category')}} <select name="parent">
    % parent_options(typed['parent'])
    </select></label>
    <label>{{_('Order')}} <input name="position" value="{{typed['position']}}" inputmode="numeric" size="4"></label>
    <button type="submit">{{_('Add')}}</button>
  </form>
</section>
% if tree:
<section class="panel">
  <h2>{{_('Categories')}}</h2>
  <ul class="knowledge-category-list">
  % for category, depth in tree:
    <li class="depth-{{min(depth, 5)}}">
      <form method="post" action="/knowledge/categories/{{category.id}}" class="row knowledge-category-form">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>{{_('Name')}} <input name="name" value="{{category.name}}" maxlength="{{name_limit}}" required></label>
        <label>{{_('Parent category')}} <select name="parent">
        % parent_options(category.parent_id, category.id)
        </select></label>
        <label>{{_('Order')}} <input name="position" value="{{category.position}}" inputmode="numeric" size="4"></label>
        <button type="submit" class="secondary">{{_('Save')}}</button>
      </form>
      % children, entries = uses[category.id]
      % if not children and not entries:
      <form method="post" action="/knowledge/categories/{{category.id}}/delete" data-confirm="{{_('Delete this category?')}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
      % else:
      <span class="muted small">{{_('Entries: {entries} · categories below it: {children}', entries=entries, children=children)}}</span>
      % end
    </li>
  % end
  </ul>
</section>
% end
