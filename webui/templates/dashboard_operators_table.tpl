<div class="table-wrap">
<table class="operators stack">
  <thead><tr>
    <th scope="col">{{_('Operator')}}</th>
    <th scope="col">{{_('Presence')}}</th>
    <th scope="col" class="numeric">{{_('In')}}</th>
    <th scope="col" class="numeric">{{_('Out')}}</th>
    <th scope="col" class="numeric">{{_('Missed')}}</th>
    <th scope="col" class="numeric">{{_('Answered')}}</th>
    <th scope="col" class="numeric">{{_('Wait')}}</th>
    <th scope="col" class="numeric">{{_('Talk')}}</th>
    <th scope="col" class="numeric">{{_('Survey')}}</th>
    <th scope="col" class="numeric">{{_('Busy now')}}</th>
  </tr></thead>
  <tbody data-operators>{{!operators_html}}</tbody>
</table>
</div>
