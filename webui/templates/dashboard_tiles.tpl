<section class="tiles" aria-label="{{_('Today')}}">
  <div class="tile"><span class="tile-value" data-figure="calls_in">{{texts['calls_in']}}</span><span class="tile-label">{{_('Incoming calls')}}</span></div>
  <div class="tile"><span class="tile-value" data-figure="calls_out">{{texts['calls_out']}}</span><span class="tile-label">{{_('Outgoing calls')}}</span></div>
  <div class="tile tile-bad"><span class="tile-value" data-figure="missed">{{texts['missed']}}</span><span class="tile-label">{{_('Missed calls')}}</span></div>
  <div class="tile"><span class="tile-value" data-figure="answered_share">{{texts['answered_share']}}</span><span class="tile-label">{{_('Incoming calls answered')}}</span></div>
  <div class="tile"><span class="tile-value" data-figure="average_wait">{{texts['average_wait']}}</span><span class="tile-label">{{_('Average wait before an answer')}}</span></div>
  <div class="tile"><span class="tile-value" data-figure="average_talk">{{texts['average_talk']}}</span><span class="tile-label">{{_('Average talk time')}}</span></div>
  <div class="tile tile-live"><span class="tile-value"><span data-busy>{{glance.busy}}</span><span class="tile-of"> / <span data-lines-count>{{len(glance.lines)}}</span></span></span><span class="tile-label">{{_('Lines busy now')}}</span></div>
  <div class="tile"><span class="tile-value" data-figure="rating">{{texts['rating']}}</span><span class="tile-label">{{_('Survey average (1 best of 5)')}} · <span data-figure="ratings">{{texts['ratings']}}</span></span></div>
  <div class="tile"><span class="tile-value" data-figure="recordings">{{texts['recordings']}}</span><span class="tile-label">{{_('Recordings kept')}}</span></div>
  % if 'storage' in texts:
  <div class="tile"><span class="tile-value" data-figure="storage">{{texts['storage']}}</span><span class="tile-label" data-figure="storage_caption">{{texts['storage_caption']}}</span></div>
  % end
</section>
<ul class="line-states" aria-label="{{_('Lines')}}">
% for status in glance.lines:
  <li class="line-state-chip state-{{status.state}}" data-line-state="{{status.line}}"><span class="chip-line">{{_('Line {n}', n=status.line)}}{{' · ' + line_names[status.line] if line_names.get(status.line) else ''}}</span> <span class="chip-state">{{_.line_state(status.state)}}</span></li>
% end
</ul>
