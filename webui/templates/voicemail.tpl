% rebase('layout.tpl', title=_('Voicemail'), page='voicemail')
% notices = {'heard': _('Marked as heard.'), 'deleted': _('The message was deleted.')}
<h1>{{_('Voicemail')}}</h1>
% if notice in notices:
<p class="notice" role="status">{{notices[notice]}}</p>
% end
% if not messages:
<p class="muted">{{_('No voicemail messages.')}}</p>
% else:
<table class="list voicemail">
  <thead><tr><th>{{_('When')}}</th><th>{{_('Line')}}</th><th>{{_('Number')}}</th><th>{{_('Length')}}</th><th>{{_('Listen')}}</th><th></th></tr></thead>
  <tbody>
  % for message in messages:
    <tr class="{{'new' if message.new else 'heard'}}" data-message="{{message.id}}">
      <td>{{_.datetime(message.started_at)}}
        % if message.new:
        <span class="badge new-mark">{{_('New')}}</span>
        % end
      </td>
      <td>{{_('Line {n}', n=message.line)}}{{' · ' + line_names.get(message.line, '') if line_names.get(message.line) else ''}}</td>
      <td class="number">
        % if message.call_id:
        <a href="/calls/{{message.call_id}}">{{message.number or _('Number withheld')}}</a>
        % else:
        {{message.number or _('Number withheld')}}
        % end
      </td>
      <td class="numeric">{{_.duration(message.seconds)}}</td>
      <td><audio controls preload="none" src="/voicemail/{{message.id}}/audio"></audio></td>
      <td class="actions">
        % if message.new:
        <form method="post" action="/voicemail/{{message.id}}/heard" class="inline">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="secondary">{{_('Mark as heard')}}</button>
        </form>
        % else:
        <span class="muted">{{_('Heard by {name}', name=message.heard_by or '')}}</span>
        % end
        <a class="button secondary" href="/voicemail/{{message.id}}/delete">{{_('Delete')}}</a>
      </td>
    </tr>
  % end
  </tbody>
</table>
% end
