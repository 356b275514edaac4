% rebase('layout.tpl', title=_('Delete the message'), page='voicemail', main_class='narrow')
<h1>{{_('Delete the message')}}</h1>
<p>{{_('The voicemail message from {number} ({when}) is deleted for good; the call stays in the call log.', number=message.number or _('Number withheld'), when=_.datetime(message.started_at))}}</p>
<form method="post" action="/voicemail/{{message.id}}/delete" class="row">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <button type="submit" class="danger">{{_('Delete')}}</button>
  <a class="button secondary" href="/voicemail">{{_('Cancel')}}</a>
</form>
