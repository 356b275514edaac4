% rebase('layout.tpl', title=_('Edit memo'), page='memos')
<h1>{{_('Edit memo')}}</h1>
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<form method="post" action="/memos/{{memo.id}}" class="stacked memo-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('memo_fields.tpl')
  <div class="row">
    <button type="submit">{{_('Save')}}</button>
    <a class="button secondary" href="/memos">{{_('Cancel')}}</a>
  </div>
</form>
