<section class="panel memo-panel" aria-labelledby="reminders-title">
  <div class="page-head">
    <h2 id="reminders-title">{{_('Reminders')}}</h2>
    <div class="actions"><a class="button secondary" href="/memos">{{_('Memos')}}</a></div>
  </div>
  % if reminders['memos']:
  <ol class="memo-list">
  % include('memo_rows.tpl', rows=reminders['memos'], now=reminders['now'], actions=False)
  </ol>
  % else:
  <p class="muted">{{_.count(reminders['days'], 'No memos in the next {n} day.', 'No memos in the next {n} days.')}}</p>
  % end
  % include('memo_birthdays.tpl', birthdays=reminders['birthdays'], days=reminders['days'])
</section>
