% title = saved.title if saved else _('New entry')
% rebase('layout.tpl', title=title, page='knowledge', styles=['knowledge.css', 'fields.css'])
<p class="crumbs"><a href="/knowledge">{{_('Knowledge base')}}</a></p>
<h1>{{title}}</h1>
% if problems:
<p class="problem" role="alert">{{_('Please correct the fields marked below.')}}</p>
% end
% def field_problem(name):
  % if name in problems:
  <span class="field-problem">{{problems[name]}}</span>
  % end
% end
<form method="post" action="{{'/knowledge/%d/edit' % saved.id if saved else '/knowledge/new'}}" class="stacked knowledge-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label class="stacked-label{{' has-problem' if 'title' in problems else ''}}">{{_('Title')}}
    <input name="title" value="{{typed['title']}}" maxlength="{{title_limit}}" required>
    % field_problem('title')
  </label>
  <label class="stacked-label{{' has-problem' if 'category' in problems else ''}}">{{_('Category')}}
    <select name="category">
      <option value="">{{_('None')}}</option>
      % for category, depth in tree:
      <option value="{{category.id}}"{{!' selected' if str(category.id) == typed['category'] else ''}}>{{paths[category.id]}}</option>
      % end
    </select>
    % field_problem('category')
  </label>
  <label class="stacked-label{{' has-problem' if 'keywords' in problems else ''}}">{{_('Keywords')}}
    <input name="keywords" value="{{typed['keywords']}}" maxlength="{{keywords_limit}}">
    <span class="hint">{{_('Words the entry is found by, separated by commas.')}}</span>
    % field_problem('keywords')
  </label>
  <label class="stacked-label{{' has-problem' if 'body' in problems else ''}}">{{_('Answer')}}
    <textarea name="body" rows="10" maxlength="{{body_limit}}">{{typed['body']}}</textarea>
    % field_problem('body')
  </label>
  % if custom_fields:
  <div class="form-grid custom-fields">
  % include('custom_inputs.tpl', fields=custom_fields, typed=typed['custom'], problems=problems)
  </div>
  % end
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="{{'/knowledge/%d' % saved.id if saved else '/knowledge'}}">{{_('Cancel')}}</a>
  </div>
</form>
