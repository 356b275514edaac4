% rebase('layout.tpl', title=_('Memos'), page='memos')
<div class="page-head">
  <h1>{{_('Memos')}}</h1>
  <div class="actions">
    <button type="button" class="secondary" data-allow-notifications data-granted="{{_('Notifications are allowed.')}}" data-denied="{{_('The browser blocks notifications from this box: allow them in its site settings.')}}" data-unsupported="{{_('This browser cannot show notifications.')}}" hidden>{{_('Allow notifications')}}</button>
  </div>
</div>
<p class="muted" data-notification-state role="status"></p>
% notices = {'added': _('The memo was added.'), 'saved': _('Saved.'), 'deleted': _('The memo was deleted.')}
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if problem:
<p class="problem" role="alert">{{problem}}</p>
% end
<section class="panel">
  <h2>{{_('Add a memo')}}</h2>
  <form method="post" action="/memos" class="stacked memo-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    % include('memo_fields.tpl')
    <button type="submit">{{_('Add memo')}}</button>
  </form>
</section>
<section class="panel">
  <h2>{{_('Upcoming')}}</h2>
  % if upcoming:
  <ol class="memo-list">
  % include('memo_rows.tpl', rows=upcoming)
  </ol>
  % else:
  <p class="muted">{{_('No memos to come.')}}</p>
  % end
</section>
<section class="panel">
  <h2>{{_('Birthdays')}}</h2>
  % include('memo_birthdays.tpl')
  <form method="post" action="/memos/settings" class="row">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{_('Show birthdays and memos this many days ahead')}} <input type="number" name="days_ahead" min="0" max="{{days_most}}" value="{{days}}" required></label>
    <button type="submit" class="secondary">{{_('Save')}}</button>
  </form>
</section>
<section class="panel">
  <h2>{{_('Past')}}</h2>
  % if past:
  <ol class="memo-list">
  % include('memo_rows.tpl', rows=past)
  </ol>
  % else:
  <p class="muted">{{_('No past memos.')}}</p>
  % end
</section>
