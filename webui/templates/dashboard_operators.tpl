% from webui.office_figures import percent, rating, seconds
% for operator, tally in operators:
<tr data-operator-lines="{{','.join(str(line) for line in sorted(operator.lines))}}">
  <td class="o-name">{{operator.name}}</td>
  % state = get('presence', {}).get(operator.user_id, 'offline')
  <td class="o-presence" data-presence="{{state}}"><i class="presence-dot presence-{{state}}" aria-hidden="true"></i> {{_({'online': 'Online', 'away': 'Away', 'offline': 'Offline'}.get(state, state))}}</td>
  <td class="numeric o-in"><span class="o-label">{{_('In')}} </span>{{_.number(tally.calls_in)}}</td>
  <td class="numeric o-out"><span class="o-label">{{_('Out')}} </span>{{_.number(tally.calls_out)}}</td>
  <td class="numeric o-missed"><span class="o-label">{{_('Missed')}} </span>{{_.number(tally.missed)}}</td>
  <td class="numeric o-share"><span class="o-label">{{_('Answered')}} </span>{{percent(tally.answered_share)}}</td>
  <td class="numeric o-wait"><span class="o-label">{{_('Wait')}} </span>{{seconds(tally.average_wait_s)}}</td>
  <td class="numeric o-talk"><span class="o-label">{{_('Talk')}} </span>{{seconds(tally.average_talk_s)}}</td>
  <td class="numeric o-rating"><span class="o-label">{{_('Survey')}} </span>{{rating(tally.average_rating)}}</td>
  <td class="numeric o-busy"><span class="o-label">{{_('Busy now')}} </span><span data-operator-busy>—</span></td>
</tr>
% end
% if not operators:
<tr><td colspan="10" class="muted">{{_('No operator has lines you see.')}}</td></tr>
% end
