% for memo in rows:
<li class="memo memo-{{memo.importance}}{{' memo-done' if memo.done else ''}}{{' memo-overdue' if not memo.done and memo.due_at < now else ''}}">
  <div class="memo-head">
    <span class="memo-when">{{_.datetime(memo.due_at)}}</span>
    % if memo.importance != 'normal':
    <span class="badge memo-importance-{{memo.importance}}">{{_({'low': 'Low', 'high': 'High'}.get(memo.importance, memo.importance))}}</span>
    % end
    % if memo.done:
    <span class="badge">{{_('Done')}}</span>
    % elif memo.due_at < now:
    <span class="badge memo-importance-high">{{_('Overdue')}}</span>
    % end
    % if memo.shared:
    <span class="badge">{{_('Shared')}}</span>
    % end
  </div>
  <p class="memo-subject-text">{{memo.subject}}</p>
  % from html import escape
  % facts = []
  % if memo.place:
  % facts.append(escape(_('Place') + ': ' + memo.place))
  % end
  % if memo.customer_name:
  % facts.append(escape(_('Customer')) + ': <a href="/customers/%d">%s</a>' % (memo.customer_id, escape(memo.customer_name)))
  % end
  % if memo.user_id != user.id:
  % facts.append(escape(_('By {name}', name=memo.author_name)))
  % end
  % if facts:
  <p class="muted memo-facts">{{!' · '.join(facts)}}</p>
  % end
  % if memo.user_id == user.id and get('actions', True):
  <div class="row memo-actions">
    <form method="post" action="/memos/{{memo.id}}/done" class="inline">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <input type="hidden" name="done" value="{{'no' if memo.done else 'yes'}}">
      <input type="hidden" name="back" value="{{get('back', '/memos')}}">
      <button type="submit" class="secondary">{{_('Not done') if memo.done else _('Mark done')}}</button>
    </form>
    <a class="button secondary" href="/memos/{{memo.id}}">{{_('Edit')}}</a>
    <form method="post" action="/memos/{{memo.id}}/delete" class="inline" data-confirm="{{_('Delete this memo?')}}">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit" class="secondary danger-text">{{_('Delete')}}</button>
    </form>
  </div>
  % end
</li>
% end
