% from webui.office_figures import percent, rating, seconds
<div class="table-wrap">
<table class="figures stack">
  <thead><tr>
    <th scope="col">{{heading}}</th>
    <th scope="col" class="numeric">{{_('Calls')}}</th>
    <th scope="col" class="numeric">{{_('In')}}</th>
    <th scope="col" class="numeric">{{_('Out')}}</th>
    <th scope="col" class="numeric">{{_('Missed')}}</th>
    <th scope="col" class="numeric">{{_('Answered')}}</th>
    <th scope="col" class="numeric">{{_('Wait')}}</th>
    <th scope="col" class="numeric">{{_('Talk')}}</th>
    <th scope="col" class="numeric">{{_('Survey')}}</th>
  </tr></thead>
  <tbody>
  % for label, tally in rows:
    <tr>
      <td class="f-name">{{label}}</td>
      <td class="numeric f-calls"><span class="o-label">{{_('Calls')}} </span>{{_.number(tally.calls)}}</td>
      <td class="numeric"><span class="o-label">{{_('In')}} </span>{{_.number(tally.calls_in)}}</td>
      <td class="numeric"><span class="o-label">{{_('Out')}} </span>{{_.number(tally.calls_out)}}</td>
      <td class="numeric"><span class="o-label">{{_('Missed')}} </span>{{_.number(tally.missed)}}</td>
      <td class="numeric"><span class="o-label">{{_('Answered')}} </span>{{percent(tally.answered_share)}}</td>
      <td class="numeric"><span class="o-label">{{_('Wait')}} </span>{{seconds(tally.average_wait_s)}}</td>
      <td class="numeric"><span class="o-label">{{_('Talk')}} </span>{{seconds(tally.average_talk_s)}}</td>
      <td class="numeric"><span class="o-label">{{_('Survey')}} </span>{{rating(tally.average_rating)}}</td>
    </tr>
  % end
  % if not rows:
    <tr><td colspan="9" class="muted">{{empty}}</td></tr>
  % end
  </tbody>
</table>
</div>
