% if birthdays:
<ul class="memo-birthdays">
% for found in birthdays:
  <li>
    <span class="memo-when">{{_('Today') if found.days == 0 else _.count(found.days, 'in {n} day', 'in {n} days')}}</span>
    % if found.kind == 'customer':
    <a href="/customers/{{found.id}}">{{found.name}}</a> <span class="badge">{{_('Customer')}}</span>
    % else:
    {{found.name}} <span class="badge">{{_('Colleague')}}</span>
    % end
    <span class="muted">{{_.date(_.local_midnight(found.day.isoformat()))}}</span>
  </li>
% end
</ul>
% else:
<p class="muted">{{_.count(days, 'No birthdays in the next {n} day.', 'No birthdays in the next {n} days.')}}</p>
% end
