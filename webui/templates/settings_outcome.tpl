% if outcome['done'] == 'applied':
<p class="notice" role="status">{{_('Saved. The engine took the change.')}}
  % if outcome['restarting']:
  {{_('Lines {lines} restart with the new settings as soon as their call in progress ends.', lines=outcome['restarting'])}}
  % end
</p>
% elif outcome['done'] == 'offline':
<p class="notice warn" role="status">{{_('Saved. The line engine is not running or did not answer: the change applies when it next starts.')}}</p>
% end
