% rebase('layout.tpl', title=_('Live lines'), page='live', scripts=['listen.js'] if ctx.can('live_listen') else [])
<h1>{{_('Live lines')}}</h1>
% if not connected:
<p class="problem" id="engine-state">{{_('The line engine is not running: the live view is paused.')}}</p>
% end
% if not lines:
<p>{{_('No lines are assigned to you. Ask an administrator to associate you with your lines.')}}</p>
% end
<div class="lines" id="lines"
  data-label-idle="{{_('Idle')}}" data-label-ringing="{{_('Ringing')}}" data-label-dialling="{{_('Dialling')}}"
  data-label-in_call="{{_('In call')}}" data-label-silent="{{_('On hold')}}" data-label-seized="{{_('Held by the box')}}"
  data-label-offline="{{_('Offline')}}" data-label-recording="{{_('Recording')}}"
  data-label-in="{{_('Incoming')}}" data-label-out="{{_('Outgoing')}}" data-label-withheld="{{_('Number withheld')}}"
  % for act in ('survey', 'voicemail', 'firewall', 'ivr', 'announcement', 'dial'):
  data-act-{{act}}="{{_.act_name(act)}}"
  % end
  >
% for status in lines:
  % include('line_card.tpl', status=status, name=names.get(status.line, ''), manual=manual)
% end
</div>
