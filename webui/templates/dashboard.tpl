% rebase('layout.tpl', title=_('Dashboard'), page='dashboard', scripts=['dashboard.js'])
<div class="dashboard" data-dashboard="/api/dashboard" data-every="{{refresh_s}}"
  % for state in ('idle', 'ringing', 'dialling', 'in_call', 'silent', 'seized', 'offline'):
  data-state-{{state}}="{{_.line_state(state)}}"
  % end
  >
<div class="page-head">
  <h1>{{_('Today')}} <span class="muted" data-figure="day">{{texts['day']}}</span></h1>
  <div class="actions">
    % if ctx.can('reports') or ctx.can('admin'):
    <a class="button secondary" href="/reports">{{_('Reports')}}</a>
    % end
    <a class="button secondary" href="/wallboard">{{_('Wallboard')}}</a>
  </div>
</div>
% if not glance.lines:
<p>{{_('No lines are assigned to you. Ask an administrator to associate you with your lines.')}}</p>
% end
% include('dashboard_tiles.tpl')
% include('memos_panel.tpl')
% if glance.operators is not None:
<h2>{{_('Operators today')}}</h2>
<p class="hint">{{_("An operator's figures are the calls of their lines; a line shared by several operators counts for each.")}}</p>
% include('dashboard_operators_table.tpl')
% end
</div>
