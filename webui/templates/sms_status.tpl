% state = status['state']
% counts = status['counts']
<h2>{{_('GSM modem')}}</h2>
% if not status['configured']:
<p class="muted">{{_('No GSM modem is set: messages wait in the queue until one is.')}}
% if ctx.can('admin'):
<a href="/admin/messages">{{_('Settings → Messages')}}</a>
% end
</p>
% elif not status['connected']:
<p class="problem">{{_('The line engine is not running: messages wait in the queue.')}}</p>
% elif state is None or not state.present:
<p class="problem">{{_('The GSM modem does not answer: messages wait in the queue.')}}</p>
% else:
<p class="modem-ready"><span class="badge state-ready">{{_('Ready')}}</span> {{state.model or ''}}{{(' · ' + state.operator) if state.operator else ''}}</p>
% end
<dl class="facts modem-facts">
  % if state is not None and state.enabled:
  <dt>{{_('Signal')}}</dt>
  <dd>
    % if state.signal_dbm is not None:
    <span class="signal-bars" aria-hidden="true">{{'▮' * status['bars']}}<span class="off">{{'▮' * (4 - status['bars'])}}</span></span> {{_('{dbm} dBm', dbm=state.signal_dbm)}}
    % else:
    —
    % end
  </dd>
  <dt>{{_('Network')}}</dt><dd>{{_({'home': 'Home network', 'roaming': 'Roaming', 'searching': 'Searching', 'denied': 'Refused by the network', 'not registered': 'Not on a network', 'unknown': 'Unknown'}.get(state.network, state.network)) if state.network else '—'}}</dd>
  <dt>{{_('SIM card')}}</dt><dd>{{_('Ready') if state.sim == 'READY' else (state.sim or '—')}}</dd>
  % end
  <dt>{{_('Waiting to go')}}</dt><dd>{{counts['queued'] + counts['sending']}}</dd>
  <dt>{{_('Held for approval')}}</dt><dd>{{counts['held']}}</dd>
  <dt>{{_('Failed')}}</dt><dd>{{counts['failed']}}</dd>
  % if state is not None and state.last_error:
  <dt>{{_('Last problem')}}</dt><dd class="multiline">{{state.last_error}}{{(' · ' + _.datetime(state.last_error_at)) if state.last_error_at else ''}}</dd>
  % end
</dl>
