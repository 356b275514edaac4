% rebase('layout.tpl', title=_('Parameter lists'), page='admin', styles=['fields.css'])
% include('admin_nav.tpl', current='/admin')
<p class="crumbs"><a href="/admin">{{_('Settings')}}</a></p>
<h1>{{_('Parameter lists')}}</h1>
% notices = {'added': _('The entry was added.'), 'saved': _('Saved.'), 'retired': _('The entry is no longer offered; records keep it.'), 'restored': _('The entry is offered again.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<p class="hint">{{_('What the forms offer instead of free text. The value is what records keep and English readers see; the Chinese is what Chinese readers see. Renaming a value renames it in the records that keep it; a retired entry is no longer offered, and records keep it.')}}</p>
% for list_name, title in lists.items():
<section class="panel dictionary-list" id="{{list_name}}">
  <h2>{{_(title)}}</h2>
  % if list_name in fixed:
  <p class="hint">{{_('Contact types are the fixed kinds of contact records: change their Chinese, their order, or retire them.')}}</p>
  % end
  % if list_name in problems:
  <p class="problem" role="alert">{{problems[list_name]}}</p>
  % end
  % items = entries[list_name]
  % if items:
  <ol class="dictionary-entries">
  % for index, entry in enumerate(items):
    <li class="{{'retired' if entry.retired else ''}}">
      <form method="post" action="/admin/dictionary/entries/{{entry.id}}" class="inline entry-rename" autocomplete="off">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input name="value" value="{{entry.value}}" maxlength="{{value_limit}}" aria-label="{{_('Value')}}"{{!' readonly' if list_name in fixed else ''}} required>
        <input name="label_zh" value="{{entry.label_zh}}" maxlength="{{value_limit}}" aria-label="{{_('Chinese')}}" placeholder="{{_('Chinese')}}">
        <button type="submit" class="secondary">{{_('Rename')}}</button>
      </form>
      <form method="post" action="/admin/dictionary/entries/{{entry.id}}/move" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" name="to" value="up" class="secondary"{{!' disabled' if index == 0 else ''}} aria-label="{{_('Move up')}}">↑</button>
        <button type="submit" name="to" value="down" class="secondary"{{!' disabled' if index == len(items) - 1 else ''}} aria-label="{{_('Move down')}}">↓</button>
      </form>
      <form method="post" action="/admin/dictionary/entries/{{entry.id}}/retire" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="retired" value="{{'no' if entry.retired else 'yes'}}">
        % if entry.retired:
        <span class="badge">{{_('Retired')}}</span>
        % end
        <button type="submit" class="secondary">{{_('Offer again') if entry.retired else _('Retire')}}</button>
      </form>
    </li>
  % end
  </ol>
  % else:
  <p class="muted">{{_('No entries yet.')}}</p>
  % end
  % if list_name not in fixed:
  % new = typed.get(list_name, {})
  <form method="post" action="/admin/dictionary/{{list_name}}" class="row entry-add" autocomplete="off">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Value')}} <input name="value" value="{{new.get('value', '')}}" maxlength="{{value_limit}}" required></label>
    <label>{{_('Chinese')}} <input name="label_zh" value="{{new.get('label_zh', '')}}" maxlength="{{value_limit}}"></label>
    <button type="submit">{{_('Add')}}</button>
  </form>
  % end
</section>
% end
