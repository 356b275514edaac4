<article class="line state-{{status.state}}" data-line="{{status.line}}" data-since="{{status.since or ''}}">
  <header>
    <span class="line-number">{{_('Line {n}', n=status.line)}}</span>
    <span class="line-name">{{name}}</span>
  </header>
  <p class="line-state"><span class="badge">{{_.line_state(status.state)}}</span>
    <span class="recording-mark"{{!'' if status.recording else ' hidden'}}>● {{_('Recording')}}</span>
    <span class="act-mark"{{!'' if status.act else ' hidden'}}>{{_.act_name(status.act) if status.act else ''}}</span></p>
  <p class="caller">
    <span class="direction">{{_({'in': 'Incoming', 'out': 'Outgoing'}.get(status.direction or '', '')) if status.direction else ''}}</span>
    <span class="number">{{status.number or ''}}</span>
    <span class="caller-name">{{status.name or ''}}</span>
    <span class="location">{{(status.location_zh if _.language == 'zh-CN' else status.location_en) or ''}}</span>
  </p>
  <p class="elapsed" aria-label="{{_('Duration')}}"></p>
  <p class="office-call" role="alert"{{!'' if status.office_wanted else ' hidden'}}>
    <span class="office-unrung"{{!' hidden' if status.office_rung else ''}}>{{_('A caller is waiting for the office: pick up line {n}', n=status.line)}}</span>
    <span class="office-rung"{{!'' if status.office_rung else ' hidden'}}>{{_('The office phones are ringing for a caller on line {n}', n=status.line)}}</span></p>
  % if ctx.can('record'):
  <div class="record">
  % include('record_button.tpl', line=status.line, call_id=None, status=status, shown=status.line in manual and status.state in ('in_call', 'silent', 'seized'))
  </div>
  % end
  % if ctx.can('survey'):
  <div class="survey">
  % include('survey_button.tpl', line=status.line, call_id=None, shown=status.state in ('in_call', 'silent') and not status.act)
  </div>
  % end
  % if ctx.can('live_listen'):
  <p class="listen"><button type="button" class="listen-button secondary" data-listen="/lines/{{status.line}}/listen" data-label-listen="{{_('Listen')}}" data-label-stop="{{_('Stop')}}" data-label-failed="{{_('Cannot listen now')}}" aria-pressed="false">▶ {{_('Listen')}}</button><span class="listen-state" role="status"></span></p>
  % end
</article>
