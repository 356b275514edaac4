% rebase('layout.tpl', title=_('Messages'), page='messages')
% from urllib.parse import quote
% notices = {'queued': _('Queued: {n} messages.', n=notice_count), 'scheduled': _('Scheduled: {n} messages.', n=notice_count), 'held': _('Held for approval: some of the messages hold sensitive words; a leader or an admin decides.'), 'cancelled': _('The message was cancelled.'), 'resent': _('The message will be sent again.'), 'released': _('Approved: the message is queued.'), 'rejected': _('Rejected: the message will not be sent.'), 'read': _('Marked as read.')}
<div class="page-head">
  <h1>{{_('Messages')}}</h1>
  <div class="actions">
    <a class="button" href="/messages/new">{{_('New message')}}</a>
    <a class="button secondary" href="/messages/new?to=groups">{{_('Send to groups')}}</a>
  </div>
</div>
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
<div class="card-grid messages-head">
<section class="panel" id="sms-status" data-sms-status>
% include('sms_status.tpl', status=status)
</section>
% if may_decide:
<section class="panel held-panel">
  <h2>{{_('Waiting for your approval')}}</h2>
  % if not waiting:
  <p class="muted">{{_('No message is held.')}}</p>
  % else:
  <ul class="held-list">
  % for message in waiting:
    <li>
      <div><strong>{{message.customer_name or message.number}}</strong> <span class="muted">{{message.number if message.customer_name else ''}} · {{message.queued_by_name or _('The box')}} · {{_.datetime(message.queued_at)}}</span></div>
      <p class="sms-text">{{message.text}}</p>
      <p class="field-problem">{{hold_text(_, message)}}</p>
      <div class="row">
        <form method="post" action="/messages/{{message.id}}/release" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit">{{_('Approve and send')}}</button>
        </form>
        <form method="post" action="/messages/{{message.id}}/reject" class="inline" data-confirm="{{_('Reject this message? It will not be sent.')}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="secondary danger-text">{{_('Reject')}}</button>
        </form>
      </div>
    </li>
  % end
  </ul>
  % end
</section>
% end
</div>
<nav class="subnav" aria-label="{{_('Messages')}}">
  <a href="/messages?{{filters.query(view='sent', state='', page=1)}}"{{!' aria-current="page"' if filters.view == 'sent' else ''}}>{{_('Sent and queued')}}</a>
  <a href="/messages?{{filters.query(view='received', state='', source='', page=1)}}"{{!' aria-current="page"' if filters.view == 'received' else ''}}>{{_('Received')}}</a>
</nav>
<form class="search-form" method="get" action="/messages">
  <input type="hidden" name="view" value="{{filters.view}}">
  % if filters.customer is not None:
  <input type="hidden" name="customer" value="{{filters.customer}}">
  <span class="badge">{{_('Customer')}}: {{customer_name or filters.customer}} <a href="/messages?{{filters.query(customer='', page=1)}}" aria-label="{{_('Remove')}}">×</a></span>
  % end
  <label>{{_('State')}}
    <select name="state">
      <option value="">{{_('Any')}}</option>
      % if filters.view == 'sent':
      % for key in ('queued', 'sending', 'sent', 'delivered', 'failed', 'held'):
      <option value="{{key}}"{{!' selected' if filters.state == key else ''}}>{{_({'queued': 'Queued', 'sending': 'Sending', 'sent': 'Sent', 'delivered': 'Delivered', 'failed': 'Failed', 'held': 'Held for approval'}[key])}}</option>
      % end
      % else:
      <option value="unread"{{!' selected' if filters.state == 'unread' else ''}}>{{_('Unread')}}</option>
      % end
    </select>
  </label>
  % if filters.view == 'sent':
  <label>{{_('Made by')}}
    <select name="source">
      <option value="">{{_('Any')}}</option>
      % for key in ('manual', 'template', 'auto_reply', 'system'):
      <option value="{{key}}"{{!' selected' if filters.source == key else ''}}>{{_({'manual': 'Typed', 'template': 'Template', 'auto_reply': 'Reply to a missed call', 'system': "The box's notice"}[key])}}</option>
      % end
    </select>
  </label>
  % end
  <label>{{_('Number')}} <input name="q" value="{{filters.number}}" inputmode="tel" maxlength="40"></label>
  <label>{{_('From')}} <input type="date" name="from" value="{{filters.since}}"></label>
  <label>{{_('To')}} <input type="date" name="to" value="{{filters.until}}"></label>
  <button type="submit">{{_('Show')}}</button>
  % if problem:
  <p class="field-problem" role="alert">{{problem}}</p>
  % end
</form>
% if filters.view == 'sent':
% if not sent:
<p class="muted">{{_('No messages.')}}</p>
% else:
<div class="table-wrap">
<table class="stack sms-list">
  <thead><tr><th scope="col">{{_('Time')}}</th><th scope="col">{{_('Send to')}}</th><th scope="col">{{_('Message')}}</th><th scope="col">{{_('State')}}</th><th scope="col">{{_('Sent by')}}</th><th scope="col"></th></tr></thead>
  <tbody>
  % for message in sent:
    <tr class="sms-{{message.state}}" data-message="{{message.id}}">
      <td class="c-time">{{_.datetime(message.queued_at)}}
        % if message.state == 'queued' and message.next_try_at > message.queued_at + 60:
        <span class="muted small">{{_('not before {when}', when=_.datetime(message.next_try_at))}}</span>
        % end
      </td>
      <td class="c-number">
        % if message.customer_id and message.customer_name:
        <a href="/customers/{{message.customer_id}}">{{message.customer_name}}</a>
        % end
        <span class="number">{{message.number}}</span>
      </td>
      <td class="c-text"><span class="sms-text">{{message.text}}</span>
        % if message.parts:
        <span class="muted small">{{_.count(message.parts, '{n} part', '{n} parts')}}</span>
        % end
      </td>
      <td class="c-state"><span class="badge sms-state-{{message.state}}">{{_({'queued': 'Queued', 'sending': 'Sending', 'sent': 'Sent', 'delivered': 'Delivered', 'failed': 'Failed', 'held': 'Held for approval'}.get(message.state, message.state))}}</span>
        % if message.state == 'failed' and message.error:
        <span class="field-problem">{{error_text(_, message)}}</span>
        % elif message.state == 'held':
        <span class="field-problem">{{hold_text(_, message)}}</span>
        % elif message.state == 'queued' and message.error:
        <span class="muted small">{{_('Tried {n} times: {error}', n=message.attempts, error=message.error) if message.attempts else message.error}}</span>
        % end
      </td>
      <td class="c-user">{{message.queued_by_name or _({'manual': 'Typed', 'template': 'Template', 'auto_reply': 'Reply to a missed call', 'system': "The box's notice"}.get(message.source, message.source))}}</td>
      <td class="c-action">
        % if message.state in ('queued', 'held'):
        <form method="post" action="/messages/{{message.id}}/cancel" class="inline" data-confirm="{{_('Cancel this message?')}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="secondary">{{_('Cancel')}}</button>
        </form>
        % elif message.state == 'failed':
        <form method="post" action="/messages/{{message.id}}/resend" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="secondary">{{_('Send again')}}</button>
        </form>
        % end
      </td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
% else:
% if not received:
<p class="muted">{{_('No messages.')}}</p>
% else:
<div class="table-wrap">
<table class="stack sms-list">
  <thead><tr><th scope="col">{{_('Time')}}</th><th scope="col">{{_('From')}}</th><th scope="col">{{_('Message')}}</th><th scope="col"></th></tr></thead>
  <tbody>
  % for message in received:
    <tr class="{{'unread' if message.read_at is None else 'read'}}" data-received="{{message.id}}">
      <td class="c-time">{{_.datetime(message.received_at)}}
        % if message.read_at is None:
        <span class="badge new-mark">{{_('New')}}</span>
        % end
      </td>
      <td class="c-number">
        % if message.customer_id and message.customer_name:
        <a href="/customers/{{message.customer_id}}">{{message.customer_name}}</a>
        % end
        <span class="number">{{message.number}}</span>
      </td>
      <td class="c-text"><span class="sms-text">{{message.text}}</span>
        % if not message.complete:
        <span class="muted small">{{_('Some parts never came.')}}</span>
        % end
      </td>
      <td class="c-action">
        % if message.read_at is None:
        <form method="post" action="/messages/received/{{message.id}}/read" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="secondary">{{_('Mark as read')}}</button>
        </form>
        % else:
        <span class="muted small">{{_('Read by {name}', name=message.read_by or '')}}</span>
        % end
        <a class="button secondary" href="/messages/new?to=number&amp;number={{quote(message.number)}}">{{_('Reply')}}</a>
      </td>
    </tr>
  % end
  </tbody>
</table>
</div>
% end
% end
% if filters.page > 1 or more:
<nav class="pager" aria-label="{{_('Pages')}}">
  % if filters.page > 1:
  <a class="button secondary" rel="prev" href="/messages?{{filters.query(page=filters.page - 1)}}">← {{_('Newer')}}</a>
  % end
  <span class="muted">{{_('Page {n}', n=filters.page)}}</span>
  % if more:
  <a class="button secondary" rel="next" href="/messages?{{filters.query(page=filters.page + 1)}}">{{_('Older')}} →</a>
  % end
</nav>
% end
